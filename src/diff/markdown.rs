//! Diff rendering for a pull-request comment: a one-line headline, then GitHub-flavoured
//! Markdown tables.

use std::fmt::Write;

use super::text::{
    activity_note, campaign_table, count_with, entries_and_exits, headline, matrix_table,
    moves_table, noun, percent, presence_note, segments_table,
};
use super::{About, CampaignDiff, Diff, Keys, SegmentationDiff};

/// The diff as GitHub-flavoured Markdown, headed by a one-line headline.
pub fn render_markdown(diff: &Diff, about: &About) -> String {
    let mut out = format!(
        "### {}\n\n`{}` → `{}` as of {}",
        headline(diff),
        about.old,
        about.new,
        about.as_of
    );
    entities(&mut out, diff);
    segmentations(&mut out, diff);
    segments(&mut out, diff);
    campaigns(&mut out, diff);
    out
}

/// Who changed, and the entities only one run has.
fn entities(out: &mut String, diff: &Diff) {
    let e = &diff.entities;
    if diff.is_empty() {
        out.push_str(" · no differences");
    } else if !diff.changed.sample.is_empty() {
        let _ = write!(out, " · changing: {}", code_list(&diff.changed));
    }
    if e.added.count + e.removed.count > 0 {
        let _ = write!(
            out,
            " · {} old, {} new; added {}, removed {}",
            e.old,
            e.new,
            count_with(&e.added, code_list(&e.added)),
            count_with(&e.removed, code_list(&e.removed))
        );
    }
    out.push('\n');
}

/// A matrix per segmentation with moves; the others named in one line.
fn segmentations(out: &mut String, diff: &Diff) {
    let (still, moved): (Vec<&SegmentationDiff>, Vec<&SegmentationDiff>) =
        diff.segmentations.iter().partition(|s| s.moved == 0);
    for s in moved {
        let _ = writeln!(
            out,
            "\n#### Segmentation `{}`{}: {} of {} {} move ({})\n",
            s.name,
            presence_note(s.presence),
            s.moved,
            s.entities,
            noun(&diff.entity, s.entities),
            percent(s.moved, s.entities)
        );
        out.push_str(&matrix_table(s).markdown());
        out.push('\n');
        out.push_str(&moves_table(&s.moves, &noun(&diff.entity, 2)).markdown());
    }
    if !still.is_empty() {
        let names: Vec<String> = still.iter().map(|s| format!("`{}`", s.name)).collect();
        let _ = writeln!(out, "\nNo {} moves in {}.", diff.entity, names.join(", "));
    }
}

/// Every standalone segment in one table.
fn segments(out: &mut String, diff: &Diff) {
    if diff.segments.is_empty() {
        return;
    }
    let counts = entries_and_exits(&diff.segments);
    let _ = writeln!(out, "\n#### Segments: {counts}\n");
    out.push_str(&segments_table(&diff.segments).markdown());
}

/// The campaign summary, a table per changed campaign, and the unchanged ones by name.
fn campaigns(out: &mut String, diff: &Diff) {
    if diff.campaigns.is_empty() {
        return;
    }
    let n = diff.campaign_changed.count;
    let _ = writeln!(
        out,
        "\n#### Campaigns: {n} {} change their `campaign:variant` list ({})",
        noun(&diff.entity, n),
        percent(n, diff.entities.both)
    );
    let (unchanged, changed): (Vec<&CampaignDiff>, Vec<&CampaignDiff>) =
        diff.campaigns.iter().partition(|c| c.is_unchanged());
    for c in changed {
        campaign(out, diff, c);
    }
    if !unchanged.is_empty() {
        let names: Vec<String> = unchanged.iter().map(|c| format!("`{}`", c.name)).collect();
        let _ = writeln!(out, "\nUnchanged campaigns: {}.", names.join(", "));
    }
}

/// One campaign: its counts side by side and who changes variant.
fn campaign(out: &mut String, diff: &Diff, c: &CampaignDiff) {
    let n = c.changed();
    let _ = writeln!(
        out,
        "\n##### `{}`{}: {n} {} change assignment\n",
        c.name,
        presence_note(c.presence),
        noun(&diff.entity, n)
    );
    if let Some(note) = activity_note(c) {
        let _ = writeln!(out, "The campaign is {note}.\n");
    }
    out.push_str(&campaign_table(c).markdown());
    if n > 0 {
        out.push('\n');
        out.push_str(&moves_table(&c.changes, &noun(&diff.entity, 2)).markdown());
    }
}

/// Sample keys as code: `` `a`, `b`, … ``.
fn code_list(keys: &Keys) -> String {
    let mut items: Vec<String> = keys.sample.iter().map(|k| format!("`{k}`")).collect();
    if keys.count > keys.sample.len() as u64 {
        items.push("…".to_string());
    }
    items.join(", ")
}
