//! SQL stage: one table per active campaign, in run order (LANGUAGE.md section 6).
//!
//! `seg_campaign_<name>` holds one row per eligible entity (audience holds, the policy
//! allows): whether it has a would-be action, its variant (`holdout` for the control
//! group), its cost if treated, its place in the walk, and whether it was accepted. The
//! policy reads the tables of the campaigns that ran before.

use super::column::Column;
use super::expr::Exprs;
use super::{Cte, Origin, create_with};
use crate::check::hir::{Campaign, Do};
use crate::check::types::Ty;
use crate::exec::decimal_text;

/// The name of the table a campaign's rows go to.
pub fn table(campaign: &Campaign) -> String {
    format!("seg_campaign_{}", campaign.name)
}

/// The statement creating the table of `campaign`, given the tables of the campaigns
/// that ran before it and the values table.
pub fn statement(
    x: &Exprs,
    origin: &Origin,
    campaign: &Campaign,
    earlier: &[String],
    values: &str,
) -> String {
    let d = x.dialect;
    let hir = x.hir;
    let key = d.ident(&Column::Field(hir.key_field).name(hir));
    let key_text = x
        .dialect
        .text(&format!("v.{key}"), &hir.entity.fields[hir.key_field].ty.ty);
    let mut ctes = Vec::new();

    // Step 1: the audience, and the policy over the campaigns that ran before.
    let mut eligible = format!("SELECT v.*, {key_text} AS seg_key FROM {values} AS v");
    let mut conditions = vec![x.holds(&campaign.audience)];
    if let (Some(max), false) = (hir.max_campaigns, earlier.is_empty()) {
        let taken: Vec<String> = earlier
            .iter()
            .map(|t| format!("SELECT k FROM {t} WHERE accepted"))
            .collect();
        eligible += &format!(
            "\n    LEFT JOIN (SELECT t.k, count(*) AS n FROM ({}) AS t GROUP BY t.k) AS taken\n      ON taken.k = v.{key}",
            taken.join(" UNION ALL ")
        );
        conditions.push(format!("COALESCE(taken.n, 0) < {max}"));
    }
    eligible += &format!("\n    WHERE {}", conditions.join("\n      AND "));
    ctes.push(Cte {
        name: "eligible".into(),
        comment: origin.line("audience of", &campaign.name, campaign.audience.span),
        body: eligible,
    });

    // Steps 2 and 3: would-be actions, bucket, holdout and variant.
    let dos: Vec<&Do> = campaign.variants.iter().flat_map(|v| &v.dos).collect();
    let would_act = match dos.is_empty() {
        true => "FALSE".to_string(),
        false => dos
            .iter()
            .map(|d| when(x, d))
            .collect::<Vec<_>>()
            .join(" OR "),
    };
    let salt = d.string(&format!("{}:", campaign.salt));
    let bucket = d.md5_bucket(&format!("({salt} || v.seg_key)"));
    ctes.push(Cte {
        name: "bucketed".into(),
        comment: format!("-- would-be actions and md5 buckets ({})", campaign.name),
        body: format!(
            "SELECT v.*, ({would_act}) AS would_act, {bucket} AS bucket FROM eligible AS v"
        ),
    });
    ctes.push(Cte {
        name: "assigned".into(),
        comment: format!("-- holdout {} bp and variants", campaign.holdout_bp),
        body: format!(
            "SELECT v.*, {} AS variant FROM bucketed AS v",
            variant_case(x, campaign)
        ),
    });

    // Step 4: cost, rank, and the walk.
    let zero = d.cast("0", &Ty::Decimal);
    let mut cost = String::new();
    for variant in &campaign.variants {
        let parts: Vec<String> = variant.dos.iter().filter_map(|d| do_cost(x, d)).collect();
        if !parts.is_empty() {
            cost += &format!(
                " WHEN v.variant = {} THEN {}",
                d.string(&variant.name),
                parts.join(" + ")
            );
        }
    }
    let cost = match cost.is_empty() {
        true => zero,
        false => format!("CASE{cost} ELSE {zero} END"),
    };
    let mut order: Vec<String> = Vec::new();
    let mut ranks = Vec::new();
    for (i, key) in campaign.rank_by.iter().enumerate() {
        ranks.push(format!("{} AS rank_{i}", x.sql(&key.expr)));
        let dir = if key.descending { "DESC" } else { "ASC" };
        let rank = format!("v.rank_{i}");
        let rank = match key.expr.ty.ty {
            Ty::String | Ty::Enum(_) => d.bytewise(&rank),
            _ => rank,
        };
        order.push(format!("{rank} {dir} NULLS LAST"));
    }
    order.push(format!("{} ASC", d.bytewise("v.seg_key")));
    let order = order.join(", ");
    let ranks = ranks.iter().map(|r| format!(", {r}")).collect::<String>();
    ctes.push(Cte {
        name: "costed".into(),
        comment: "-- cost of the would-be actions of each candidate's variant".into(),
        body: format!("SELECT v.*, {cost} AS cost{ranks} FROM assigned AS v WHERE v.would_act"),
    });
    let treated = "v.variant <> 'holdout'";
    let running = format!("OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING)");
    ctes.push(Cte {
        name: "walked".into(),
        comment: "-- the walk in `rank by` order: running cost and count of treated".into(),
        body: format!(
            "SELECT v.*, row_number() OVER (ORDER BY {order}) AS pos,\n      \
             sum(CASE WHEN {treated} THEN v.cost ELSE 0 END) {running} AS spent,\n      \
             count(CASE WHEN {treated} THEN 1 END) {running} AS counted\n    FROM costed AS v"
        ),
    });
    let mut over = Vec::new();
    if let Some(budget) = campaign.budget {
        over.push(format!("v.spent > {}", decimal_text(budget)));
    }
    if let Some(cap) = campaign.cap {
        over.push(format!("v.counted > {cap}"));
    }
    let stop = match over.is_empty() {
        true => d.null(&Ty::Int),
        false => format!(
            "min(CASE WHEN {treated} AND ({}) THEN v.pos END) OVER ()",
            over.join(" OR ")
        ),
    };
    ctes.push(Cte {
        name: "cut".into(),
        comment: "-- the first treated candidate over the budget or cap ends the walk".into(),
        body: format!("SELECT v.*, {stop} AS stop FROM walked AS v"),
    });
    let query = format!(
        "SELECT e.{key} AS k, e.seg_key, e.would_act, c.variant, c.cost, c.pos,\n  \
         COALESCE(c.pos IS NOT NULL AND (c.stop IS NULL OR c.pos < c.stop), FALSE) AS accepted\n\
         FROM bucketed AS e LEFT JOIN cut AS c ON c.seg_key = e.seg_key"
    );
    let comment = origin.line("campaign", &campaign.name, campaign.span);
    format!(
        "{comment}\n{}",
        create_with(d, &table(campaign), &ctes, &query)
    )
}

/// Whether a `do` would act (no `when`: always).
fn when(x: &Exprs, d: &Do) -> String {
    d.when.as_ref().map_or("TRUE".into(), |w| x.holds(w))
}

/// The cost a `do` adds when it acts (null as 0), if its action has a `cost` field.
fn do_cost(x: &Exprs, d: &Do) -> Option<String> {
    let field = x.hir.actions[d.action].cost_field?;
    let value = x.typed(&d.values[field], &Ty::Decimal);
    let zero = x.dialect.cast("0", &Ty::Decimal);
    Some(format!(
        "CASE WHEN {} THEN COALESCE({}, {zero}) ELSE {zero} END",
        when(x, d),
        x.dialect.cast(&value, &Ty::Decimal)
    ))
}

/// `holdout` below the holdout's basis points; else the first variant whose cumulative
/// share of the rest the bucket falls under.
fn variant_case(x: &Exprs, campaign: &Campaign) -> String {
    let d = x.dialect;
    let h = i64::from(campaign.holdout_bp);
    let rest = 10_000 - h;
    let mut sql = format!("CASE WHEN v.bucket < {h} THEN 'holdout'");
    let mut cumulative = 0i64;
    for variant in &campaign.variants {
        cumulative += i64::from(variant.weight_bp);
        let bound = rest * cumulative / 10_000;
        sql += &format!(
            " WHEN v.bucket - {h} < {bound} THEN {}",
            d.string(&variant.name)
        );
    }
    sql + " END"
}
