//! Diff rendering as JSON, with the stable key order documented in `docs/diff.md`.

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value as Json, json};

use super::{
    About, CampaignDiff, CampaignStats, Diff, Keys, Measure, Move, SegmentDiff, SegmentationDiff,
};
use crate::exec::decimal_text;

/// The version of the JSON schema, bumped on any incompatible change.
const SCHEMA: &str = "seg-diff/1";

/// The diff as one pretty-printed JSON object (with a final newline).
pub fn render_json(diff: &Diff, about: &About) -> String {
    let mut value = Map::new();
    value.insert("schema".to_string(), json!(SCHEMA));
    value.insert("old".to_string(), json!(about.old));
    value.insert("new".to_string(), json!(about.new));
    let as_of = about.as_of.format("%Y-%m-%d").to_string();
    value.insert("as_of".to_string(), json!(as_of));
    value.extend(body(diff, campaign));
    let mut text = serde_json::to_string_pretty(&Json::Object(value)).unwrap_or_default();
    text.push('\n');
    text
}

/// What a comparison with an earlier run's `assignments.csv` has, as JSON: the keys of
/// [`render_json`] from `entity` on, each campaign with its membership changes only
/// (`name`, `in`, `changed`, `changes`), as a file has no campaign counts.
pub fn changes_json(diff: &Diff) -> Map<String, Json> {
    body(diff, membership)
}

/// The keys from `entity` to `campaigns`, each campaign rendered by `campaign`.
fn body(diff: &Diff, campaign: fn(&CampaignDiff) -> Json) -> Map<String, Json> {
    let e = &diff.entities;
    let changed: Vec<&str> = diff.changed.sample.iter().map(|k| k.as_ref()).collect();
    [
        ("entity", json!(diff.entity)),
        (
            "entities",
            json!({
                "old": e.old,
                "new": e.new,
                "both": e.both,
                "added": keys(&e.added),
                "removed": keys(&e.removed),
            }),
        ),
        (
            "changed",
            json!({
                "count": diff.changed.count,
                "share": diff.changed_share(),
                "sample": changed,
            }),
        ),
        ("campaign_changed", keys(&diff.campaign_changed)),
        (
            "segmentations",
            diff.segmentations.iter().map(segmentation).collect(),
        ),
        ("segments", diff.segments.iter().map(segment).collect()),
        ("campaigns", diff.campaigns.iter().map(campaign).collect()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect()
}

/// `{"count": n, "sample": [keys]}`.
fn keys(keys: &Keys) -> Json {
    let sample: Vec<&str> = keys.sample.iter().map(|k| k.as_ref()).collect();
    json!({ "count": keys.count, "sample": sample })
}

fn segmentation(s: &SegmentationDiff) -> Json {
    json!({
        "name": s.name,
        "in": s.presence.as_str(),
        "entities": s.entities,
        "moved": s.moved,
        "share": super::share(s.moved, s.entities),
        "rows": s.rows,
        "columns": s.columns,
        "matrix": s.counts,
        "moves": s.moves.iter().map(movement).collect::<Vec<_>>(),
    })
}

/// `{"from", "to", "count", "sample"}`; `null` for no segment (or not in the campaign).
fn movement(m: &Move) -> Json {
    let sample: Vec<&str> = m.keys.sample.iter().map(|k| k.as_ref()).collect();
    json!({ "from": m.from, "to": m.to, "count": m.keys.count, "sample": sample })
}

fn segment(s: &SegmentDiff) -> Json {
    json!({
        "name": s.name,
        "in": s.presence.as_str(),
        "old": s.old_size,
        "new": s.new_size,
        "entries": keys(&s.entries),
        "exits": keys(&s.exits),
    })
}

fn campaign(c: &CampaignDiff) -> Json {
    json!({
        "name": c.name,
        "in": c.presence.as_str(),
        "old": c.old.as_ref().map(stats),
        "new": c.new.as_ref().map(stats),
        "delta": delta(c),
        "changed": c.changed(),
        "changes": c.changes.iter().map(movement).collect::<Vec<_>>(),
    })
}

/// A campaign's membership changes, without counts.
fn membership(c: &CampaignDiff) -> Json {
    json!({
        "name": c.name,
        "in": c.presence.as_str(),
        "changed": c.changed(),
        "changes": c.changes.iter().map(movement).collect::<Vec<_>>(),
    })
}

fn stats(s: &CampaignStats) -> Json {
    let variants: Map<String, Json> = s
        .variants
        .iter()
        .map(|(name, n)| (name.clone(), json!(n)))
        .collect();
    json!({
        "active": s.active,
        "eligible": s.eligible,
        "skipped": s.skipped,
        "holdout": s.holdout,
        "treated": s.treated,
        "cut": s.cut,
        "total_cost": number(s.total_cost),
        "variants": variants,
    })
}

/// New minus old for every count, a missing campaign counting as zeros.
fn delta(c: &CampaignDiff) -> Json {
    let deltas = |measures: Vec<Measure>| -> Map<String, Json> {
        measures
            .into_iter()
            .map(|m| (m.name.clone(), number(m.delta())))
            .collect()
    };
    let mut all = deltas(c.measures());
    all.insert(
        "variants".to_string(),
        Json::Object(deltas(c.variant_measures())),
    );
    Json::Object(all)
}

/// An exact decimal as a JSON number, as `summary.json` writes it.
fn number(d: Decimal) -> Json {
    Json::Number(Number::from_string_unchecked(decimal_text(d)))
}
