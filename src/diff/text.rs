//! Diff renderings, shared by the text and Markdown forms: wording, numbers and the
//! tables of each part of a [`Diff`].

use rust_decimal::{Decimal, RoundingStrategy};

use super::table::{Align, Table};
use super::{CampaignDiff, Diff, Keys, Measure, Move, Presence, SegmentDiff, SegmentationDiff};
use crate::exec::decimal_text;

/// How the rows and columns of "no segment" (or "not in the campaign") are labelled.
const NONE: &str = "(none)";

/// How the row and column of a matrix's sums are labelled.
const TOTAL: &str = "(total)";

/// The one-line summary of a diff: `12.3% of 3000 customers change assignment`.
pub fn headline(diff: &Diff) -> String {
    let total = diff.total();
    let verb = if total == 1 { "changes" } else { "change" };
    format!(
        "{} of {total} {} {verb} assignment",
        percent(diff.changed.count, total),
        noun(&diff.entity, total)
    )
}

/// `part / total` as a percentage with one decimal (half away from zero); never `0%` or
/// `100%` unless exact.
pub fn percent(part: u64, total: u64) -> String {
    if part == 0 || part == total {
        let whole = if part == 0 { 0 } else { 100 };
        return format!("{whole}%");
    }
    let share = Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(total);
    let rounded = share.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    match rounded {
        r if r.is_zero() => "<0.1%".to_string(),
        r if r == Decimal::ONE_HUNDRED => ">99.9%".to_string(),
        r => format!("{r:.1}%"),
    }
}

/// The entity's name, in the plural unless there is one (`customer`, `customers`).
pub(super) fn noun(entity: &str, n: u64) -> String {
    if n == 1 {
        return entity.to_string();
    }
    let consonant_y = entity
        .strip_suffix('y')
        .filter(|stem| !stem.is_empty() && !stem.ends_with(['a', 'e', 'i', 'o', 'u']));
    if let Some(stem) = consonant_y {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| entity.ends_with(end))
    {
        format!("{entity}es")
    } else {
        format!("{entity}s")
    }
}

/// `1 entry, 2 exits`: the entries into and exits from all standalone segments.
pub(super) fn entries_and_exits(segments: &[SegmentDiff]) -> String {
    let entries: u64 = segments.iter().map(|s| s.entries.count).sum();
    let exits: u64 = segments.iter().map(|s| s.exits.count).sum();
    let entry = if entries == 1 { "entry" } else { "entries" };
    let exit = if exits == 1 { "exit" } else { "exits" };
    format!("{entries} {entry}, {exits} {exit}")
}

/// A segment or variant name, or [`NONE`].
pub(super) fn label(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or(NONE)
}

/// A few keys, `, `-separated, with `, …` when there are more.
pub(super) fn sample(keys: &Keys) -> String {
    let mut text: Vec<&str> = keys.sample.iter().map(|k| k.as_ref()).collect();
    if keys.count > keys.sample.len() as u64 && !text.is_empty() {
        text.push("…");
    }
    text.join(", ")
}

/// `2 (k1, k2)`: a count and its sample as rendered, or the count alone without one.
pub(super) fn count_with(keys: &Keys, sample: String) -> String {
    if sample.is_empty() {
        keys.count.to_string()
    } else {
        format!("{} ({sample})", keys.count)
    }
}

/// A count change with its sign: `+5`, `-3`, `0`.
pub(super) fn signed(delta: Decimal) -> String {
    if delta > Decimal::ZERO {
        format!("+{}", decimal_text(delta))
    } else {
        decimal_text(delta)
    }
}

/// `(new)` or `(removed)` after the name of an item only one program declares.
pub(super) fn presence_note(presence: Presence) -> &'static str {
    match presence {
        Presence::Both => "",
        Presence::OldOnly => " (removed)",
        Presence::NewOnly => " (new)",
    }
}

/// The migration matrix, with the old sizes as a last column and the new ones as a last row.
pub(super) fn matrix_table(s: &SegmentationDiff) -> Table {
    let mut columns = vec![("old \\ new".to_string(), Align::Left)];
    columns.extend(
        s.columns
            .iter()
            .map(|c| (label(c).to_string(), Align::Right)),
    );
    columns.push((TOTAL.to_string(), Align::Right));
    let mut table = Table::new(columns);
    for (row, counts) in s.rows.iter().zip(&s.counts) {
        let mut cells = vec![label(row).to_string()];
        cells.extend(counts.iter().map(u64::to_string));
        cells.push(counts.iter().sum::<u64>().to_string());
        table.push(cells);
    }
    let mut totals = vec![TOTAL.to_string()];
    totals.extend((0..s.columns.len()).map(|c| {
        let sum: u64 = s.counts.iter().map(|row| row[c]).sum();
        sum.to_string()
    }));
    totals.push(s.entities.to_string());
    table.push(totals);
    table
}

/// Moves between segments (or variants), one row each, with sample keys.
pub(super) fn moves_table(moves: &[Move], entities: &str) -> Table {
    let mut table = Table::new(vec![
        ("from".to_string(), Align::Left),
        ("to".to_string(), Align::Left),
        (entities.to_string(), Align::Right),
        ("sample".to_string(), Align::Left),
    ]);
    for m in moves {
        table.push(vec![
            label(&m.from).to_string(),
            label(&m.to).to_string(),
            m.keys.count.to_string(),
            sample(&m.keys),
        ]);
    }
    table
}

/// Every standalone segment: sizes, entries and exits.
pub(super) fn segments_table(segments: &[SegmentDiff]) -> Table {
    let titles = ["segment", "old", "new", "change", "entries", "exits"];
    let mut columns: Vec<(String, Align)> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                t.to_string(),
                if i == 0 { Align::Left } else { Align::Right },
            )
        })
        .collect();
    columns.push(("entering (sample)".to_string(), Align::Left));
    columns.push(("leaving (sample)".to_string(), Align::Left));
    let mut table = Table::new(columns);
    for s in segments {
        let delta = Decimal::from(s.new_size) - Decimal::from(s.old_size);
        table.push(vec![
            format!("{}{}", s.name, presence_note(s.presence)),
            s.old_size.to_string(),
            s.new_size.to_string(),
            signed(delta),
            s.entries.count.to_string(),
            s.exits.count.to_string(),
            sample(&s.entries),
            sample(&s.exits),
        ]);
    }
    table
}

/// One campaign's counts, old and new, with the change; per-variant rows when there is
/// more than one variant (a single variant's count is `treated`).
pub(super) fn campaign_table(c: &CampaignDiff) -> Table {
    let mut table = Table::new(vec![
        (String::new(), Align::Left),
        ("old".to_string(), Align::Right),
        ("new".to_string(), Align::Right),
        ("change".to_string(), Align::Right),
    ]);
    let mut variants = c.variant_measures();
    if variants.len() == 1 {
        variants.clear();
    }
    let variants = variants.into_iter().map(|m| Measure {
        name: format!("variant {}", m.name),
        ..m
    });
    for m in c.measures().into_iter().chain(variants) {
        let value = |v: Option<Decimal>| v.map_or_else(|| "-".to_string(), decimal_text);
        table.push(vec![
            m.name.replace('_', " "),
            value(m.old),
            value(m.new),
            signed(m.delta()),
        ]);
    }
    table
}

/// `active`/`inactive` in each run, when that differs (a window edited).
pub(super) fn activity_note(c: &CampaignDiff) -> Option<String> {
    let state = |active: bool| if active { "active" } else { "inactive" };
    match (&c.old, &c.new) {
        (Some(old), Some(new)) if old.active != new.active => Some(format!(
            "{} in the old run, {} in the new run",
            state(old.active),
            state(new.active)
        )),
        _ => None,
    }
}
