//! Explain stage: each campaign's steps for the entity (LANGUAGE.md section 6), read from
//! the run's campaign results and details: window, audience, policy, would-be actions,
//! bucket and variant, place in the walk, accepted or cut, and the emitted payloads.

use super::Explainer;
use super::model::{
    CampaignTrace, CutFacts, Draw, Emitted, Node, PolicySlots, RankPlace, RankValue, Status,
    WouldBe,
};
use super::printer;
use crate::check::hir::Campaign;
use crate::exec::{
    CampaignDetails, CampaignResult, Candidate, CutPoint, HOLDOUT, Value, bucket, cut_point,
};

impl Explainer<'_, '_> {
    /// Every campaign, in run order.
    pub(super) fn campaigns(&mut self) -> Vec<CampaignTrace> {
        let outcome = self.outcome;
        outcome
            .campaigns
            .iter()
            .enumerate()
            .map(|(run, result)| self.campaign(run, result))
            .collect()
    }

    fn campaign(&mut self, run: usize, result: &CampaignResult) -> CampaignTrace {
        let c = &self.hir().campaigns[result.campaign];
        let mut trace = CampaignTrace {
            name: c.name.clone(),
            label: c.label.clone(),
            priority: c.priority,
            window: c
                .window
                .map(|(from, to)| [from, to].map(|d| d.format("%Y-%m-%d").to_string())),
            active: result.active,
            audience: None,
            policy: None,
            eligible: false,
            would_be: Vec::new(),
            draw: None,
            rank: None,
            status: Status::Inactive,
            cut: None,
            actions: Vec::new(),
            assignment: None,
        };
        if let Some(details) = result.details.as_ref().filter(|_| result.active) {
            self.steps(run, result, details, &mut trace);
        }
        trace
    }

    /// Steps 1 to 5 for an active campaign.
    fn steps(
        &mut self,
        run: usize,
        result: &CampaignResult,
        details: &CampaignDetails,
        trace: &mut CampaignTrace,
    ) {
        let c = &self.hir().campaigns[result.campaign];
        if !self.eligibility(run, c, details, trace) {
            return;
        }
        trace.would_be = self.would_be(c);
        trace.status = Status::Skipped;
        let ranked = &details.ranked;
        if let Some(position) = ranked.iter().position(|x| x.entity as usize == self.entity) {
            self.walk(result, ranked, position, trace);
        }
    }

    /// Step 1: the audience, then the policy's slots; whether the entity is eligible.
    fn eligibility(
        &mut self,
        run: usize,
        c: &Campaign,
        details: &CampaignDetails,
        trace: &mut CampaignTrace,
    ) -> bool {
        trace.audience = Some(self.breakdown(&c.audience));
        trace.status = Status::NotInAudience;
        if !details.audience[self.entity] {
            return false;
        }
        trace.policy = self.policy_slots(run);
        trace.status = Status::NoPolicySlot;
        trace.eligible = trace
            .policy
            .as_ref()
            .is_none_or(|p| p.taken_by.len() < p.max_campaigns as usize);
        trace.eligible
    }

    /// Steps 3 to 5 for a candidate at `position` in walk order.
    fn walk(
        &self,
        result: &CampaignResult,
        ranked: &[Candidate],
        position: usize,
        trace: &mut CampaignTrace,
    ) {
        let c = &self.hir().campaigns[result.campaign];
        let walk = cut_point(ranked, c.budget, c.cap);
        trace.draw = Some(self.draw(c, &ranked[position]));
        trace.rank = Some(self.rank_place(c, ranked, position, walk.end));
        let accepted = result
            .accepted
            .iter()
            .any(|&(e, _)| e as usize == self.entity);
        if accepted {
            trace.status = Status::Accepted;
            let variant = variant_name(c, ranked[position].variant);
            trace.assignment = Some(format!("{}:{variant}", c.name));
            trace.actions = self.emitted(result.campaign);
        } else {
            trace.status = Status::Cut;
            trace.cut = self.cut_facts(c, ranked, walk);
        }
    }

    /// The policy's slots, and the campaigns that ran before and accepted the entity.
    fn policy_slots(&self, run: usize) -> Option<PolicySlots> {
        let hir = self.hir();
        let max_campaigns = hir.max_campaigns?;
        let taken_by = self.outcome.campaigns[..run]
            .iter()
            .filter(|r| r.accepted.iter().any(|&(e, _)| e as usize == self.entity))
            .map(|r| hir.campaigns[r.campaign].name.clone())
            .collect();
        Some(PolicySlots {
            max_campaigns,
            taken_by,
        })
    }

    fn would_be(&mut self, c: &Campaign) -> Vec<WouldBe> {
        let hir = self.hir();
        let mut out = Vec::new();
        for variant in &c.variants {
            for d in &variant.dos {
                let when = d.when.as_ref().map(|w| self.breakdown(w));
                out.push(WouldBe {
                    variant: variant.name.clone(),
                    action: hir.actions[d.action].name.clone(),
                    holds: when.as_ref().is_none_or(Node::holds),
                    when,
                });
            }
        }
        out
    }

    fn draw(&self, c: &Campaign, candidate: &Candidate) -> Draw {
        Draw {
            salt: c.salt.clone(),
            bucket: bucket(&c.salt, self.key()),
            holdout_below: c.holdout_bp,
            variant: variant_name(c, candidate.variant),
        }
    }

    fn rank_place(
        &self,
        c: &Campaign,
        ranked: &[Candidate],
        position: usize,
        accepted: usize,
    ) -> RankPlace {
        let candidate = &ranked[position];
        let by = c
            .rank_by
            .iter()
            .zip(&candidate.rank)
            .map(|(key, value)| RankValue {
                expr: printer::text(self.hir(), &key.expr),
                descending: key.descending,
                value: value.clone(),
            })
            .collect();
        RankPlace {
            position: position + 1,
            of: ranked.len(),
            accepted,
            by,
            cost: Value::Decimal(candidate.cost),
        }
    }

    /// The candidate at which the walk stopped, and which limit it would have exceeded.
    fn cut_facts(&self, c: &Campaign, ranked: &[Candidate], walk: CutPoint) -> Option<CutFacts> {
        let stopper = ranked.get(walk.end)?;
        let mut by = Vec::new();
        if c.budget.is_some_and(|b| walk.cost + stopper.cost > b) {
            by.push("budget");
        }
        if c.cap.is_some_and(|cap| walk.treated + 1 > cap) {
            by.push("cap");
        }
        Some(CutFacts {
            by,
            stopped_at: walk.end + 1,
            stopped_key: self.outcome.keys[stopper.entity as usize].to_string(),
            stopped_cost: Value::Decimal(stopper.cost),
            cost_before: Value::Decimal(walk.cost),
            treated_before: walk.treated,
            budget: c.budget.map_or(Value::Null, Value::Decimal),
            cap: c.cap,
        })
    }

    /// The action rows the run emitted for the entity in campaign `c` (program index).
    fn emitted(&self, c: usize) -> Vec<Emitted> {
        let hir = self.hir();
        let campaign = &hir.campaigns[c];
        let mut out = Vec::new();
        for (a, rows) in self.outcome.actions.iter().enumerate() {
            let fields = &hir.actions[a].fields;
            for row in rows
                .iter()
                .filter(|r| r.entity as usize == self.entity && r.campaign == c)
            {
                out.push(Emitted {
                    action: hir.actions[a].name.clone(),
                    variant: variant_name(campaign, row.variant),
                    payload: fields
                        .iter()
                        .zip(row.values)
                        .map(|(f, v)| (f.name.clone(), v.clone()))
                        .collect(),
                });
            }
        }
        out
    }
}

/// `holdout` or the variant's name.
fn variant_name(c: &Campaign, variant: u16) -> String {
    if variant == HOLDOUT {
        "holdout".to_string()
    } else {
        c.variants[usize::from(variant)].name.clone()
    }
}
