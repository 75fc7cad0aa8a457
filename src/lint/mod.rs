//! Lint stage: `Program` + `Hir` → warnings ([`Lint`]) about programs that check but
//! probably do not do what their author meant.
//!
//! Conditions are analysed as sets of values (`conditions`, over `intervals`) to find
//! segments that are never reached, segmentations with gaps and conditions that never
//! hold; the other lints look for unused declarations, shadowed names in `where` and
//! pointless settings. A `// seg:allow(CODE)` comment above an item silences a lint
//! there (`allow`). `docs/lints.md` describes every lint.

mod allow;
mod alternatives;
mod conditions;
mod coverage;
mod diagnostic;
mod domains;
mod intervals;
mod never_true;
mod segmentations;
mod settings;
mod shadow;
mod unused;
mod walk;

pub use diagnostic::Lint;

use crate::check::hir::Hir;
use crate::syntax::Program;

/// The warnings about a checked program, sorted by position, without those a
/// `// seg:allow(...)` comment silences.
pub fn lint(program: &Program, hir: &Hir) -> Vec<Lint> {
    let types = domains::Types::new(hir);
    let mut lints = segmentations::lints(program, &types);
    lints.extend(never_true::lints(program, &types));
    lints.extend(unused::lints(program, types.hir()));
    lints.extend(shadow::lints(program, hir));
    lints.extend(settings::lints(program));
    let allows = allow::Allows::new(program);
    lints.retain(|lint| !allows.silences(lint));
    lints.sort_by_key(Lint::span);
    lints
}
