//! Lint stage: the warnings. Every variant has a stable code (`seg::lint::...`), a
//! labelled span and a help line; `docs/lints.md` explains each with examples.

use miette::{Diagnostic, LabeledSpan};
use thiserror::Error;

use crate::diagnostics::Located;
use crate::syntax::Span;

/// A warning about a program that checks but probably does not do what its author meant.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum Lint {
    /// A segment of a segmentation that earlier segments always take first.
    #[error("segment `{segment}` of `{segmentation}` is never reached")]
    #[diagnostic(
        code(seg::lint::unreachable_segment),
        severity(Warning),
        help("{help}")
    )]
    UnreachableSegment {
        /// The segmentation.
        segmentation: String,
        /// The unreachable segment.
        segment: String,
        /// The segment's name.
        #[label("never reached")]
        span: Span,
        /// The earlier segments that cover it.
        #[label(collection)]
        covering: Vec<LabeledSpan>,
        /// Which segments cover it, and what to do.
        help: String,
    },

    /// A segmentation without `otherwise` that leaves some entities in no segment.
    #[error("an entity with {example} matches no segment of `{segmentation}`")]
    #[diagnostic(code(seg::lint::segmentation_gap), severity(Warning), help("{help}"))]
    SegmentationGap {
        /// The segmentation.
        segmentation: String,
        /// An entity value that falls into the gap, e.g. `` `recency = 91` ``.
        example: String,
        /// The segmentation's name.
        #[label("no segment for {example}, and no `otherwise`")]
        span: Span,
        /// Other gaps, and what to do.
        help: String,
    },

    /// A condition that holds for no entity (or no event).
    #[error("{place} can never hold")]
    #[diagnostic(code(seg::lint::never_true), severity(Warning), help("{reason}"))]
    NeverTrue {
        /// Which condition, e.g. "the audience of campaign `winback`".
        place: String,
        /// The condition.
        #[label("never true")]
        span: Span,
        /// Why it never holds.
        reason: String,
    },

    /// A `let` nothing refers to.
    #[error("`let {name}` is never used")]
    #[diagnostic(
        code(seg::lint::unused_let),
        severity(Warning),
        help(
            "no segment, campaign, metric, other `let` or test expectation refers to `{name}`; remove it, or add `// seg:allow(unused_let)` above it to keep it as a column of `seg run --with-values`"
        )
    )]
    UnusedLet {
        /// The `let`.
        name: String,
        /// Its name where it is defined.
        #[label("defined here, used nowhere")]
        span: Span,
    },

    /// A `param` nothing refers to.
    #[error("`param {name}` is never used")]
    #[diagnostic(
        code(seg::lint::unused_param),
        severity(Warning),
        help(
            "no expression refers to `{name}`, so setting it (with `--param` or in a test) changes nothing; remove it"
        )
    )]
    UnusedParam {
        /// The parameter.
        name: String,
        /// Its name where it is declared.
        #[label("declared here, used nowhere")]
        span: Span,
    },

    /// An `action` no campaign does.
    #[error("action `{name}` is never done")]
    #[diagnostic(
        code(seg::lint::unused_action),
        severity(Warning),
        help(
            "no campaign has `do {name}(...)`, so `actions/{name}.csv` stays empty; remove the action or give a campaign a `do`"
        )
    )]
    UnusedAction {
        /// The action.
        name: String,
        /// Its name where it is declared.
        #[label("declared here, done by no campaign")]
        span: Span,
    },

    /// A metric with the same formula as an earlier one.
    #[error("metric `{name}` repeats metric `{first}`")]
    #[diagnostic(
        code(seg::lint::unused_metric),
        severity(Warning),
        help(
            "both compute `{formula}`, so every report shows the same figure twice; remove one of them"
        )
    )]
    UnusedMetric {
        /// The later metric.
        name: String,
        /// The earlier metric with the same formula.
        first: String,
        /// The formula, in canonical form.
        formula: String,
        /// The later metric's name.
        #[label("same formula as `{first}`")]
        span: Span,
        /// The earlier metric's name.
        #[label("`{first}` is defined here")]
        first_span: Span,
    },

    /// A bare name inside `where` that is an event field and also an outer name.
    #[error("`{name}` in this `where` is the field of `{stream}`, not the {outer} `{name}`")]
    #[diagnostic(
        code(seg::lint::shadowed_name),
        severity(Warning),
        help(
            "inside `where`, the fields of the aggregated events come first; if the {outer} was meant, rename it"
        )
    )]
    ShadowedName {
        /// The name.
        name: String,
        /// The events stream whose field it is.
        stream: String,
        /// What the outer name is: "entity field", "let", "param", "segment" or
        /// "segmentation".
        outer: String,
        /// The name where it is used.
        #[label("the field `{stream}.{name}`")]
        span: Span,
    },

    /// `ntile(x, n)` with fewer than two buckets.
    #[error("`{call}` puts every entity in one bucket")]
    #[diagnostic(
        code(seg::lint::ntile_too_few),
        severity(Warning),
        help(
            "with one bucket `ntile` is 1 for every entity with a value; use 2 or more, e.g. 5 for quintiles"
        )
    )]
    NtileTooFew {
        /// The call, in canonical form.
        call: String,
        /// The bucket count.
        #[label("fewer than 2 buckets")]
        span: Span,
    },

    /// A variant whose weight is 0%.
    #[error("variant `{variant}` of `{campaign}` has weight 0% and never gets an entity")]
    #[diagnostic(
        code(seg::lint::zero_weight_variant),
        severity(Warning),
        help("remove the variant, or give it a share of the other variants' weight")
    )]
    ZeroWeightVariant {
        /// The campaign.
        campaign: String,
        /// The variant.
        variant: String,
        /// The weight.
        #[label("0%")]
        span: Span,
    },

    /// `holdout 0%`.
    #[error("`holdout 0%` in `{campaign}` holds nobody out")]
    #[diagnostic(
        code(seg::lint::zero_holdout),
        severity(Warning),
        help("remove the clause: a campaign without `holdout` has no control group")
    )]
    ZeroHoldout {
        /// The campaign.
        campaign: String,
        /// The clause.
        #[label("pointless")]
        span: Span,
    },

    /// A campaign window that ends before it starts.
    #[error("the window of `{campaign}` ends before it starts, so the campaign is never active")]
    #[diagnostic(
        code(seg::lint::window_reversed),
        severity(Warning),
        help(
            "the window is `FIRST_DAY .. LAST_DAY`, both included; did you mean `window {to} .. {from}`?"
        )
    )]
    WindowReversed {
        /// The campaign.
        campaign: String,
        /// The first date as written.
        from: String,
        /// The second date as written.
        to: String,
        /// The clause.
        #[label("{to} is before {from}")]
        span: Span,
    },
}

impl Lint {
    /// Where the warning points.
    pub fn span(&self) -> Span {
        match self {
            Lint::UnreachableSegment { span, .. }
            | Lint::SegmentationGap { span, .. }
            | Lint::NeverTrue { span, .. }
            | Lint::UnusedLet { span, .. }
            | Lint::UnusedParam { span, .. }
            | Lint::UnusedAction { span, .. }
            | Lint::UnusedMetric { span, .. }
            | Lint::ShadowedName { span, .. }
            | Lint::NtileTooFew { span, .. }
            | Lint::ZeroWeightVariant { span, .. }
            | Lint::ZeroHoldout { span, .. }
            | Lint::WindowReversed { span, .. } => *span,
        }
    }

    /// The short code, as `// seg:allow(...)` takes it: `unused_let` for
    /// `seg::lint::unused_let`.
    pub fn name(&self) -> &'static str {
        match self {
            Lint::UnreachableSegment { .. } => "unreachable_segment",
            Lint::SegmentationGap { .. } => "segmentation_gap",
            Lint::NeverTrue { .. } => "never_true",
            Lint::UnusedLet { .. } => "unused_let",
            Lint::UnusedParam { .. } => "unused_param",
            Lint::UnusedAction { .. } => "unused_action",
            Lint::UnusedMetric { .. } => "unused_metric",
            Lint::ShadowedName { .. } => "shadowed_name",
            Lint::NtileTooFew { .. } => "ntile_too_few",
            Lint::ZeroWeightVariant { .. } => "zero_weight_variant",
            Lint::ZeroHoldout { .. } => "zero_holdout",
            Lint::WindowReversed { .. } => "window_reversed",
        }
    }
}

impl Located for Lint {
    fn location(&self) -> Option<Span> {
        Some(self.span())
    }
}
