//! Lint stage: settings that do nothing or too little — `ntile` with one bucket
//! (`ntile_too_few`), variants of weight 0% (`zero_weight_variant`), `holdout 0%`
//! (`zero_holdout`) and windows that end before they start (`window_reversed`).

use super::diagnostic::Lint;
use super::walk;
use crate::syntax::Program;
use crate::syntax::ast::{CampaignClause, ClauseKind, Expr, ExprKind, Item, Literal};

/// The warnings about `ntile` calls and campaign clauses.
pub(super) fn lints(program: &Program) -> Vec<Lint> {
    let ntiles = walk::expressions(program)
        .into_iter()
        .filter_map(ntile_too_few);
    let campaigns = walk::items(program).flat_map(|item| match item {
        Item::Campaign(c) => c
            .clauses
            .iter()
            .filter_map(|clause| clause_lint(&c.name.name, clause))
            .collect(),
        _ => Vec::new(),
    });
    ntiles.chain(campaigns).collect()
}

/// The warning for `ntile(x, n)` with `n` below 2.
fn ntile_too_few(e: &Expr) -> Option<Lint> {
    let ExprKind::Call { func, args, .. } = &e.kind else {
        return None;
    };
    let [_, n] = args.as_slice() else {
        return None;
    };
    let ExprKind::Literal(Literal::Int(buckets)) = n.unparenthesized().kind else {
        return None;
    };
    (func.name == "ntile" && buckets < 2).then(|| Lint::NtileTooFew {
        call: e.to_string(),
        span: n.span,
    })
}

/// The warning for a pointless or self-defeating campaign clause.
fn clause_lint(campaign: &str, clause: &CampaignClause) -> Option<Lint> {
    let campaign = campaign.to_string();
    match &clause.kind {
        ClauseKind::Holdout(percent) if percent.is_zero() => Some(Lint::ZeroHoldout {
            campaign,
            span: clause.span,
        }),
        ClauseKind::Variant(v) if v.weight.is_zero() => Some(Lint::ZeroWeightVariant {
            campaign,
            variant: v.name.name.clone(),
            span: v.weight_span,
        }),
        ClauseKind::Window(from, to) if to < from => Some(Lint::WindowReversed {
            campaign,
            from: from.format("%Y-%m-%d").to_string(),
            to: to.format("%Y-%m-%d").to_string(),
            span: clause.span,
        }),
        _ => None,
    }
}
