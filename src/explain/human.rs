//! Explain stage: the human rendering of an [`Explanation`] (plain text, no colour).

use std::collections::HashSet;

use super::diagram::draw;
use super::model::*;
use super::values::{literal, plural};
use crate::report::thousands;

/// The explanation as text for a terminal or a ticket.
pub fn render_human(x: &Explanation) -> String {
    let mut out = Out {
        text: String::new(),
        key: x.key.clone(),
        entity: x.entity.clone(),
        entities: plural(&x.entity),
        noted: HashSet::new(),
    };
    out.header(x);
    out.lets(&x.lets);
    for s in &x.segmentations {
        out.segmentation(s);
    }
    out.segments(&x.segments);
    out.campaigns(&x.campaigns);
    out.text
}

/// The text being written, with what the sentences need.
struct Out {
    text: String,
    /// The entity's key.
    key: String,
    /// The entity's name (`customer`) and its plural.
    entity: String,
    entities: String,
    /// Aggregates and population functions already described.
    noted: HashSet<String>,
}

impl Out {
    fn line(&mut self, indent: usize, text: &str) {
        self.text.extend(std::iter::repeat_n(' ', indent));
        self.text.push_str(text.trim_end());
        self.text.push('\n');
    }

    fn heading(&mut self, text: &str) {
        self.text.push('\n');
        self.line(0, text);
    }

    fn header(&mut self, x: &Explanation) {
        let key = format!("{} `{}`", x.key_field, x.key);
        self.line(0, &format!("{} {key}, as of {}", x.entity, x.as_of));
        if !x.params.is_empty() {
            let params: Vec<String> = x
                .params
                .iter()
                .map(|p| format!("{} = {}", p.name, literal(&p.value)))
                .collect();
            self.line(0, &format!("params: {}", params.join(", ")));
        }
    }

    fn lets(&mut self, lets: &[LetTrace]) {
        if lets.is_empty() {
            return;
        }
        self.heading("Values");
        for l in lets {
            self.line(2, &format!("{} = {}", l.name, literal(&l.value)));
            if !l.definition.parts.is_empty() {
                self.diagram(6, &l.definition);
            }
            self.notes(6, &l.definition);
        }
    }

    /// The drawing of a node, then what is behind its aggregates and population functions.
    fn breakdown(&mut self, indent: usize, node: &Node) {
        self.diagram(indent, node);
        self.notes(indent, node);
    }

    fn diagram(&mut self, indent: usize, node: &Node) {
        for line in draw(node) {
            self.line(indent, &line);
        }
    }

    /// One line per event aggregate and population function in `node` not described yet.
    fn notes(&mut self, indent: usize, node: &Node) {
        let note = match (&node.events, &node.statistic) {
            (Some(events), _) => Some(self.events_note(node, events)),
            (_, Some(statistic)) => Some(self.statistic_note(node, statistic)),
            _ => None,
        };
        if let Some(note) = note
            && self.noted.insert(node.expr.clone())
        {
            self.line(indent, &format!("· {note}"));
        }
        for part in &node.parts {
            self.notes(indent, part);
        }
    }

    fn events_note(&self, node: &Node, e: &EventCounts) -> String {
        let events = if e.of_entity == 1 { "event" } else { "events" };
        let mut facts = vec![format!(
            "{} `{}` {events} of this {}",
            thousands(e.of_entity),
            e.stream,
            self.entity
        )];
        if let Some(n) = e.after_as_of {
            facts.push(format!("{} after as_of", thousands(n)));
        }
        if let Some(n) = e.filtered_out {
            facts.push(format!("{} left out by `where`", thousands(n)));
        }
        if let Some(n) = e.null_skipped.filter(|n| *n > 0) {
            facts.push(format!("{} with a null value", thousands(n)));
        }
        facts.push(format!("{} considered", thousands(e.considered)));
        format!(
            "{} = {}: {}",
            node.expr,
            literal(&node.value),
            facts.join(", ")
        )
    }

    fn statistic_note(&self, node: &Node, s: &Statistic) -> String {
        let value = literal(&node.value);
        let arg = &s.argument;
        match s.below {
            Some(below) => format!(
                "{} = {value}: {} of {} {} have a smaller {arg} (this one: {})",
                node.expr,
                thousands(below),
                thousands(s.count),
                self.entities,
                literal(&s.argument_value)
            ),
            None if s.function == "ntile" || s.function == "percent_rank" => format!(
                "{} is null: {arg} is null for this {}",
                node.expr, self.entity
            ),
            None => format!(
                "{} = {value}, over the {} {} whose {arg} is not null",
                node.expr,
                thousands(s.count),
                self.entities
            ),
        }
    }

    fn segmentation(&mut self, s: &SegmentationTrace) {
        let result = s
            .segment
            .as_deref()
            .map_or("none".to_string(), |m| format!("`{m}`"));
        self.heading(&format!(
            "Segmentation {}{}: {result}",
            s.name,
            label(&s.label)
        ));
        for t in &s.tried {
            let mark = if t.matched { "✓" } else { "✗" };
            match &t.condition {
                Some(condition) => {
                    self.line(2, &format!("{mark} {}{}", t.segment, label(&t.label)));
                    self.breakdown(6, condition);
                }
                None => self.line(
                    2,
                    &format!("{mark} {}{} (otherwise)", t.segment, label(&t.label)),
                ),
            }
        }
        if let Some(c) = &s.counterfactual {
            self.line(2, &format!("→ {}", c.text));
        }
    }

    fn segments(&mut self, segments: &[SegmentTrace]) {
        if segments.is_empty() {
            return;
        }
        self.heading("Segments");
        for s in segments {
            let mark = if s.held { "✓" } else { "✗" };
            self.line(2, &format!("{mark} {}{}", s.name, label(&s.label)));
            self.breakdown(6, &s.condition);
            if let Some(c) = &s.counterfactual {
                self.line(4, &format!("→ {}", c.text));
            }
        }
    }

    fn campaigns(&mut self, campaigns: &[CampaignTrace]) {
        if campaigns.is_empty() {
            return;
        }
        self.heading("Campaigns, in run order");
        for c in campaigns {
            self.campaign(c);
        }
    }

    fn campaign(&mut self, c: &CampaignTrace) {
        self.text.push('\n');
        let headline = format!(
            "{}{} (priority {}): {}",
            c.name,
            label(&c.label),
            c.priority,
            status(c)
        );
        self.line(2, &headline);
        self.eligibility(c);
        self.would_be(&c.would_be);
        self.walk(c);
    }

    /// Step 1: the window, the audience and the policy.
    fn eligibility(&mut self, c: &CampaignTrace) {
        if let Some([from, to]) = c.window.as_ref().filter(|_| c.active) {
            self.line(4, &format!("window {from} .. {to}: as_of is inside"));
        }
        if let Some(audience) = &c.audience {
            self.line(4, "audience");
            self.breakdown(6, audience);
        }
        if let Some(p) = &c.policy {
            self.line(4, &policy_line(p));
        }
    }

    /// Steps 3 to 5: the draw, the place in the walk, the cut and the emitted actions.
    fn walk(&mut self, c: &CampaignTrace) {
        if let Some(d) = &c.draw {
            self.line(4, &draw_line(d));
        }
        if let Some(r) = &c.rank {
            self.line(4, &rank_line(r));
        }
        if let Some(cut) = &c.cut {
            let who = if cut.stopped_key == self.key {
                format!("this {}", self.entity)
            } else {
                format!("`{}`", cut.stopped_key)
            };
            self.line(4, &cut_line(cut, &who));
        }
        for e in &c.actions {
            self.line(4, &emitted_line(e));
        }
    }

    fn would_be(&mut self, dos: &[WouldBe]) {
        for d in dos {
            let variant = if d.variant == "treated" {
                String::new()
            } else {
                format!(" (variant `{}`)", d.variant)
            };
            let verdict = if d.holds {
                "would act"
            } else {
                "would not act"
            };
            self.line(4, &format!("do {}{variant}: {verdict}", d.action));
            if let Some(when) = &d.when {
                self.breakdown(6, when);
            }
        }
    }
}

fn label(label: &Option<String>) -> String {
    label
        .as_ref()
        .map_or(String::new(), |l| format!(" \"{l}\""))
}

/// The campaign's headline verdict.
fn status(c: &CampaignTrace) -> String {
    match c.status {
        Status::Inactive => match &c.window {
            Some([from, to]) => format!("inactive, as_of is outside its window {from} .. {to}"),
            None => "inactive".to_string(),
        },
        Status::NotInAudience => "not in the audience".to_string(),
        Status::NoPolicySlot => "not eligible, the policy's campaign slots are taken".to_string(),
        Status::Skipped => "skipped, eligible but no `do` would act".to_string(),
        Status::Accepted => match c.draw.as_ref().map(|d| d.variant.as_str()) {
            Some("holdout") => "accepted in the holdout (counted, never contacted)".to_string(),
            Some(variant) => format!("accepted as `{variant}`"),
            None => "accepted".to_string(),
        },
        Status::Cut => match c.cut.as_ref().map(|f| f.by.join(" and ")) {
            Some(by) if !by.is_empty() => format!("cut by the {by}"),
            _ => "cut".to_string(),
        },
    }
}

fn policy_line(p: &PolicySlots) -> String {
    let taken: Vec<String> = p.taken_by.iter().map(|c| format!("`{c}`")).collect();
    let plural = if p.max_campaigns == 1 { "" } else { "s" };
    let taken = if taken.is_empty() {
        "none taken yet".to_string()
    } else {
        format!("taken by {}", taken.join(", "))
    };
    format!(
        "policy: at most {} campaign{plural} per entity; {taken}",
        p.max_campaigns
    )
}

fn draw_line(d: &Draw) -> String {
    let holdout = if d.holdout_below == 0 {
        "no holdout".to_string()
    } else {
        format!("holdout below {}", d.holdout_below)
    };
    let salt = literal(&crate::exec::Value::Str(d.salt.as_str().into()));
    format!(
        "bucket {} (md5 of salt {salt} and the key, mod 10000); {holdout} → {}",
        d.bucket,
        if d.variant == "holdout" {
            "holdout".to_string()
        } else {
            format!("variant `{}`", d.variant)
        }
    )
}

fn rank_line(r: &RankPlace) -> String {
    let by = if r.by.is_empty() {
        "key".to_string()
    } else {
        let keys: Vec<String> =
            r.by.iter()
                .map(|k| {
                    let direction = if k.descending { "desc" } else { "asc" };
                    format!(
                        "{} {direction} ({} = {})",
                        k.expr,
                        k.expr,
                        literal(&k.value)
                    )
                })
                .collect();
        keys.join(", ")
    };
    format!(
        "rank {} of {} by {by}; cost {}; the walk accepted positions 1 to {}",
        thousands(r.position as u64),
        thousands(r.of as u64),
        literal(&r.cost),
        thousands(r.accepted as u64)
    )
}

/// Where the walk stopped; `who` names the candidate there.
fn cut_line(c: &CutFacts, who: &str) -> String {
    let mut limits = Vec::new();
    if c.by.contains(&"budget") {
        limits.push(format!(
            "cost {} + {} > budget {}",
            literal(&c.cost_before),
            literal(&c.stopped_cost),
            literal(&c.budget)
        ));
    }
    if let Some(cap) = c.cap.filter(|_| c.by.contains(&"cap")) {
        limits.push(format!("{} treated + 1 > cap {cap}", c.treated_before));
    }
    format!(
        "the walk stopped at position {} ({who}): {}; everyone from there on is cut",
        thousands(c.stopped_at as u64),
        limits.join(", ")
    )
}

fn emitted_line(e: &Emitted) -> String {
    let fields: Vec<String> = e
        .payload
        .iter()
        .map(|(name, value)| format!("{name}: {}", literal(value)))
        .collect();
    format!("emits {}({})", e.action, fields.join(", "))
}
