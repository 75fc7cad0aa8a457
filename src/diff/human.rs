//! Diff rendering for a terminal: a headline, then aligned text tables.

use std::fmt::Write;

use super::text::{
    activity_note, campaign_table, count_with, entries_and_exits, headline, matrix_table,
    moves_table, noun, percent, presence_note, sample, segments_table,
};
use super::{About, CampaignDiff, Diff, SegmentationDiff};

/// The diff as plain text with aligned tables, for a terminal.
pub fn render_human(diff: &Diff, about: &About) -> String {
    let mut out = format!(
        "seg diff: {} → {}, as of {}\n",
        about.old, about.new, about.as_of
    );
    out.push_str(&render_changes(diff));
    out
}

/// The diff as [`render_human`] shows it, without its first line: the headline, then
/// the tables. A campaign that no run counted (a comparison with a file) shows its
/// membership changes only.
pub fn render_changes(diff: &Diff) -> String {
    let mut out = format!("{}\n", headline(diff));
    entities(&mut out, diff);
    for s in &diff.segmentations {
        segmentation(&mut out, diff, s);
    }
    segments(&mut out, diff);
    campaigns(&mut out, diff);
    out
}

/// Who changed, and the entities only one run has.
fn entities(out: &mut String, diff: &Diff) {
    let e = &diff.entities;
    let plural = noun(&diff.entity, 2);
    if diff.is_empty() {
        out.push_str("  no differences\n");
    } else if !diff.changed.sample.is_empty() {
        let _ = writeln!(out, "  {plural} changing: {}", sample(&diff.changed));
    }
    if e.added.count + e.removed.count > 0 {
        let _ = writeln!(
            out,
            "  {plural}: {} old, {} new; added {}, removed {}",
            e.old,
            e.new,
            count_with(&e.added, sample(&e.added)),
            count_with(&e.removed, sample(&e.removed))
        );
    }
}

/// One segmentation: a line when nobody moves, else the matrix and the moves.
fn segmentation(out: &mut String, diff: &Diff, s: &SegmentationDiff) {
    let name = format!("{}{}", s.name, presence_note(s.presence));
    let plural = noun(&diff.entity, 2);
    if s.moved == 0 {
        let _ = writeln!(out, "\nsegmentation {name}: no {} moves", diff.entity);
        return;
    }
    let _ = writeln!(
        out,
        "\nsegmentation {name}: {} of {} {} move ({})\n",
        s.moved,
        s.entities,
        noun(&diff.entity, s.entities),
        percent(s.moved, s.entities)
    );
    out.push_str(&matrix_table(s).text("  "));
    out.push('\n');
    out.push_str(&moves_table(&s.moves, &plural).text("  "));
}

/// Every standalone segment in one table.
fn segments(out: &mut String, diff: &Diff) {
    if diff.segments.is_empty() {
        return;
    }
    let counts = entries_and_exits(&diff.segments);
    let _ = writeln!(out, "\nsegments: {counts}\n");
    out.push_str(&segments_table(&diff.segments).text("  "));
}

/// The campaign summary, a block per changed campaign, and the unchanged ones by name.
fn campaigns(out: &mut String, diff: &Diff) {
    if diff.campaigns.is_empty() {
        return;
    }
    let n = diff.campaign_changed.count;
    let _ = writeln!(
        out,
        "\ncampaigns: {n} {} change their campaign:variant list ({})",
        noun(&diff.entity, n),
        percent(n, diff.entities.both)
    );
    let (unchanged, changed): (Vec<&CampaignDiff>, Vec<&CampaignDiff>) =
        diff.campaigns.iter().partition(|c| c.is_unchanged());
    for c in changed {
        campaign(out, diff, c);
    }
    if !unchanged.is_empty() {
        let names: Vec<&str> = unchanged.iter().map(|c| c.name.as_str()).collect();
        let _ = writeln!(out, "\nunchanged campaigns: {}", names.join(", "));
    }
}

/// One campaign: its counts side by side and who changes variant.
fn campaign(out: &mut String, diff: &Diff, c: &CampaignDiff) {
    let n = c.changed();
    let _ = writeln!(
        out,
        "\ncampaign {}{}: {n} {} change assignment",
        c.name,
        presence_note(c.presence),
        noun(&diff.entity, n)
    );
    if let Some(note) = activity_note(c) {
        let _ = writeln!(out, "  {note}");
    }
    if c.old.is_some() || c.new.is_some() {
        out.push('\n');
        out.push_str(&campaign_table(c).text("  "));
    }
    if n > 0 {
        out.push('\n');
        out.push_str(&moves_table(&c.changes, &noun(&diff.entity, 2)).text("  "));
    }
}
