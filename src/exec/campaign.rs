//! Exec stage: campaigns and the policy (LANGUAGE.md section 6).
//!
//! For each active campaign in run order: eligibility (audience and policy), would-be
//! actions, the md5 bucket, holdout and variant, the budget/cap walk in `rank by` order,
//! then acceptance and the action rows of treated entities.

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

use md5::{Digest, Md5};
use rayon::slice::ParallelSliceMut;
use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::action_rows::ActionRows;
use super::batch::Batch;
use super::error::RunError;
use super::eval::World;
use super::parallel::{CHUNK, for_batches};
use super::population::Argument;
use super::value::{Value, total_order};
use crate::check::hir::{Campaign, Do};
use crate::check::types::{Ty, Type};

/// The variant index that stands for the holdout group.
pub const HOLDOUT: u16 = u16::MAX;

/// What one campaign did.
#[derive(Debug, Clone, Default)]
pub struct CampaignResult {
    /// Index of the campaign in program order.
    pub campaign: usize,
    /// Whether as_of lies inside its window.
    pub active: bool,
    /// Entities whose audience held and whom the policy allowed.
    pub eligible: u64,
    /// Eligible entities with no would-be action.
    pub skipped: u64,
    /// Accepted entities in the holdout group.
    pub holdout: u64,
    /// Accepted entities that were treated.
    pub treated: u64,
    /// Candidates cut by the budget or cap.
    pub cut: u64,
    /// Total cost of the treated entities.
    pub total_cost: Decimal,
    /// Accepted treated entities per variant.
    pub variant_counts: Vec<u64>,
    /// Accepted entities with their variant ([`HOLDOUT`] for the control group), by key order.
    pub accepted: Vec<(u32, u16)>,
    /// Audience and ranked candidates, for reports.
    pub details: Option<CampaignDetails>,
}

/// A campaign candidate: eligible, with at least one would-be action.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The entity.
    pub entity: u32,
    /// Its variant ([`HOLDOUT`] for the control group).
    pub variant: u16,
    /// Its cost if treated (0 for the holdout).
    pub cost: Decimal,
    /// Its `rank by` values (most campaigns rank by one key: kept inline).
    pub rank: SmallVec<[Value; 1]>,
}

/// What a report needs beyond the counts (kept only when the plan asks for details).
#[derive(Debug, Clone, Default)]
pub struct CampaignDetails {
    /// Per entity: whether the audience holds, whatever the policy says.
    pub audience: Vec<bool>,
    /// The candidates in walk order (`rank by`, then key); the first
    /// [`CampaignResult::holdout`] + [`CampaignResult::treated`] are accepted.
    pub ranked: Vec<Candidate>,
}

/// Where the budget/cap walk stops over ranked candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutPoint {
    /// How many candidates are accepted (the walk's stop position).
    pub end: usize,
    /// The total cost of the accepted treated candidates.
    pub cost: Decimal,
    /// How many accepted candidates are treated.
    pub treated: u64,
}

/// Step 4's walk: the first treated candidate that would exceed `budget` or `cap` ends it.
pub fn cut_point(ranked: &[Candidate], budget: Option<Decimal>, cap: Option<u64>) -> CutPoint {
    cut_of(ranked.iter(), budget, cap)
}

/// [`cut_point`] over candidates given in walk order.
fn cut_of<'c>(
    ranked: impl ExactSizeIterator<Item = &'c Candidate>,
    budget: Option<Decimal>,
    cap: Option<u64>,
) -> CutPoint {
    let len = ranked.len();
    let mut cost = Decimal::ZERO;
    let mut treated = 0u64;
    for (i, c) in ranked.enumerate() {
        if c.variant == HOLDOUT {
            continue;
        }
        let next_cost = cost + c.cost;
        if budget.is_some_and(|b| next_cost > b) || cap.is_some_and(|cap| treated + 1 > cap) {
            return CutPoint {
                end: i,
                cost,
                treated,
            };
        }
        cost = next_cost;
        treated += 1;
    }
    CutPoint {
        end: len,
        cost,
        treated,
    }
}

/// Runs every campaign in `order`; `by_key` lists entity indices in key order. Returns
/// results in run order (with [`CampaignDetails`] when `keep_details`) and the action rows
/// per action. A campaign's action rows are made while the next campaign chooses its
/// entities (which needs only who the earlier ones took), so that the serial steps of
/// one overlap the other's.
pub fn run_campaigns(
    world: &World,
    order: &[usize],
    keys: &[Arc<str>],
    by_key: &[u32],
    keep_details: bool,
) -> Result<(Vec<CampaignResult>, Vec<ActionRows>), RunError> {
    let hir = world.program();
    let mut taken = vec![0u32; keys.len()];
    let mut results: Vec<CampaignResult> = Vec::new();
    let mut actions: Vec<ActionRows> = (hir.actions.iter())
        .map(|a| ActionRows::new(a.fields.len()))
        .collect();
    let mut position = vec![0u32; keys.len()];
    for (pos, &e) in by_key.iter().enumerate() {
        position[e as usize] = pos as u32;
    }
    // The result whose action rows are still to be made.
    let mut to_emit: Option<usize> = None;
    for &c in order {
        let (emitted, result) = rayon::join(
            || {
                emit_result(
                    world,
                    to_emit.map(|r| &results[r]),
                    keys.len(),
                    &mut actions,
                )
            },
            || choose(world, c, keys, &taken, &position, keep_details),
        );
        emitted?;
        let result = result?;
        for &(e, _) in &result.accepted {
            taken[e as usize] += 1;
        }
        to_emit = result.active.then_some(results.len());
        results.push(result);
    }
    emit_result(
        world,
        to_emit.map(|r| &results[r]),
        keys.len(),
        &mut actions,
    )?;
    Ok((results, actions))
}

/// Steps 1–4 of one campaign, given how many campaigns have taken each entity: who is
/// accepted (in key order), with which variant, and the counts.
fn choose(
    world: &World,
    c: usize,
    keys: &[Arc<str>],
    taken: &[u32],
    position: &[u32],
    keep_details: bool,
) -> Result<CampaignResult, RunError> {
    let campaign = &world.program().campaigns[c];
    let mut result = CampaignResult {
        campaign: c,
        variant_counts: vec![0; campaign.variants.len()],
        ..Default::default()
    };
    result.active = campaign.active_on(world.as_of);
    if !result.active {
        return Ok(result);
    }
    let mut audience = keep_details.then(|| Vec::with_capacity(keys.len()));
    let candidates = candidates(world, campaign, keys, taken, &mut result, audience.as_mut())?;
    let ranked = walk(campaign, candidates, position, &mut result, keep_details);
    // Without details, the candidates are freed here, before the actions are made.
    result.details = audience
        .zip(ranked)
        .map(|(audience, ranked)| CampaignDetails { audience, ranked });
    result
        .accepted
        .par_sort_unstable_by_key(|&(e, _)| position[e as usize]);
    Ok(result)
}

/// Step 5 for a campaign's result, if any, among `n` entities (see [`emit`]).
fn emit_result(
    world: &World,
    result: Option<&CampaignResult>,
    n: usize,
    actions: &mut [ActionRows],
) -> Result<(), RunError> {
    match result {
        Some(result) => emit(world, result.campaign, &result.accepted, n, actions),
        None => Ok(()),
    }
}

/// Steps 1–3: eligible entities with a would-be action, their bucket, variant and cost.
fn candidates(
    world: &World,
    campaign: &Campaign,
    keys: &[Arc<str>],
    taken: &[u32],
    result: &mut CampaignResult,
    mut audience: Option<&mut Vec<bool>>,
) -> Result<Vec<Candidate>, RunError> {
    let keep_audience = audience.is_some();
    let batches = for_batches(world, keys.len(), |batch| {
        steps(world, campaign, keys, taken, keep_audience, batch)
    })?;
    let mut out = Vec::with_capacity(batches.iter().map(|s| s.candidates.len()).sum());
    for steps in batches {
        result.eligible += steps.eligible;
        result.skipped += steps.skipped;
        out.extend(steps.candidates);
        if let Some(audience) = audience.as_mut() {
            audience.extend(steps.audience);
        }
    }
    Ok(out)
}

/// Where steps 1–3 leave a batch of entities.
struct Steps {
    /// Entities whose audience holds and whom the policy allows.
    eligible: u64,
    /// Eligible entities without a would-be action.
    skipped: u64,
    /// Eligible entities with a would-be action: bucketed and costed.
    candidates: Vec<Candidate>,
    /// Per entity, whether its audience holds (only when a report needs it).
    audience: Vec<bool>,
}

/// Steps 1–3 for a batch of entities. The audience is evaluated only for entities the
/// policy allows (for all of them when a report needs the audience).
fn steps(
    world: &World,
    campaign: &Campaign,
    keys: &[Arc<str>],
    taken: &[u32],
    keep_audience: bool,
    batch: &mut Batch,
) -> Result<Steps, RunError> {
    let n = batch.len();
    let max = world.program().max_campaigns;
    let allowed: Vec<bool> = (0..n)
        .map(|k| max.is_none_or(|max| taken[batch.entity(k)] < max))
        .collect();
    let asked = if keep_audience {
        batch.all()
    } else {
        allowed.clone()
    };
    let holds = batch.holds(&campaign.audience, &asked)?;
    let eligible: Vec<bool> = (0..n).map(|k| holds[k] && allowed[k]).collect();
    let would_act = would_act(campaign, &eligible, batch)?;
    let variants: Vec<u16> = (0..n)
        .map(|k| match would_act[k] {
            true => variant_of(campaign, &keys[batch.entity(k)]),
            false => HOLDOUT,
        })
        .collect();
    let costs = treated_costs(world, campaign, &would_act, &variants, batch)?;
    let mut ranks = Vec::with_capacity(campaign.rank_by.len());
    for key in &campaign.rank_by {
        ranks.push(batch.selected(&key.expr, &would_act)?.into_iter());
    }
    let mut candidates = Vec::with_capacity(would_act.iter().filter(|&&w| w).count());
    candidates.extend((0..n).filter(|&k| would_act[k]).map(|k| {
        Candidate {
            entity: batch.entity(k) as u32,
            variant: variants[k],
            cost: costs[k],
            rank: ranks
                .iter_mut()
                .map(|r| r.next().unwrap_or_default())
                .collect(),
        }
    }));
    let eligible = eligible.iter().filter(|&&e| e).count() as u64;
    Ok(Steps {
        eligible,
        skipped: eligible - candidates.len() as u64,
        candidates,
        audience: if keep_audience { holds } else { Vec::new() },
    })
}

/// Which eligible entities have a would-be action: some `do` of some variant whose
/// `when` holds (each entity's `do`s are tried in order until one holds).
fn would_act(
    campaign: &Campaign,
    eligible: &[bool],
    batch: &mut Batch,
) -> Result<Vec<bool>, RunError> {
    let mut acts = vec![false; eligible.len()];
    let mut undecided = eligible.to_vec();
    for d in campaign.variants.iter().flat_map(|v| &v.dos) {
        let holds = when_holds_batch(d, &undecided, batch)?;
        for k in 0..acts.len() {
            if undecided[k] && holds[k] {
                acts[k] = true;
                undecided[k] = false;
            }
        }
    }
    Ok(acts)
}

/// For each candidate, the sum of the `cost` fields of its variant's actions whose
/// `when` holds (null as 0); 0 for the holdout.
fn treated_costs(
    world: &World,
    campaign: &Campaign,
    candidates: &[bool],
    variants: &[u16],
    batch: &mut Batch,
) -> Result<Vec<Decimal>, RunError> {
    let n = candidates.len();
    let mut total = vec![Decimal::ZERO; n];
    for (v, variant) in campaign.variants.iter().enumerate() {
        let rows: Vec<bool> = (0..n)
            .map(|k| candidates[k] && usize::from(variants[k]) == v)
            .collect();
        if !rows.contains(&true) {
            continue;
        }
        for d in &variant.dos {
            let Some(cost_field) = world.program().actions[d.action].cost_field else {
                continue;
            };
            let acts = when_holds_batch(d, &rows, batch)?;
            let costs = batch.selected(&d.values[cost_field], &acts)?;
            for (k, cost) in (0..n).filter(|&k| acts[k]).zip(&costs) {
                total[k] = total[k]
                    .checked_add(cost_decimal(cost))
                    .ok_or(RunError::Overflow { span: d.span })?;
            }
        }
    }
    Ok(total)
}

/// A cost value as a decimal (null as 0).
fn cost_decimal(cost: &Value) -> Decimal {
    match cost {
        Value::Float(f) => Decimal::try_from(*f).unwrap_or_default(),
        other => other.as_decimal().unwrap_or_default(),
    }
}

/// Whether a `do`'s `when` holds, for the selected entities of a batch.
fn when_holds_batch(d: &Do, sel: &[bool], batch: &mut Batch) -> Result<Vec<bool>, RunError> {
    match &d.when {
        Some(w) => Ok(batch.holds(w, sel)?),
        None => Ok(sel.to_vec()),
    }
}

/// The first 4 bytes of `md5(salt + ":" + key)`, big-endian, modulo 10000.
pub fn bucket(salt: &str, key: &str) -> u32 {
    // The text hashed at once from the stack when it is short (it nearly always is):
    // three updates of a hasher took longer than the hashing.
    let mut text = [0u8; 64];
    let len = salt.len() + 1 + key.len();
    let digest = match text.get_mut(..len) {
        Some(short) => {
            let (salt_part, rest) = short.split_at_mut(salt.len());
            salt_part.copy_from_slice(salt.as_bytes());
            rest[0] = b':';
            rest[1..].copy_from_slice(key.as_bytes());
            Md5::digest(short)
        }
        None => Md5::new()
            .chain_update(salt)
            .chain_update(":")
            .chain_update(key)
            .finalize(),
    };
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 10_000
}

/// The variant of the entity with key `key`. A campaign without holdout whose first
/// variant takes every bucket needs no bucket, so no md5.
fn variant_of(campaign: &Campaign, key: &str) -> u16 {
    let whole = campaign
        .variants
        .first()
        .is_some_and(|v| v.weight_bp >= 10_000);
    if campaign.holdout_bp == 0 && whole {
        return 0;
    }
    choose_variant(campaign, bucket(&campaign.salt, key))
}

/// Holdout below `h`; otherwise the first variant whose cumulative share covers the bucket.
pub fn choose_variant(campaign: &Campaign, bucket: u32) -> u16 {
    let h = campaign.holdout_bp;
    if bucket < h {
        return HOLDOUT;
    }
    let v = u64::from(bucket - h);
    let rest = u64::from(10_000 - h);
    let mut cumulative = 0u64;
    for (i, variant) in campaign.variants.iter().enumerate() {
        cumulative += u64::from(variant.weight_bp);
        if v < rest * cumulative / 10_000 {
            return i as u16;
        }
    }
    // Weights add up to 100%, so the last variant always covers the bucket.
    (campaign.variants.len() - 1) as u16
}

/// Step 4: sort by `rank by` (nulls last, then key), walk until the budget or cap would
/// be exceeded by a treated entity; everyone before is accepted. `position` is each
/// entity's place in key order (keys are distinct, so it orders as the keys do). The
/// candidates in walk order are returned only when `keep_details` asks for them.
fn walk(
    campaign: &Campaign,
    candidates: Vec<Candidate>,
    position: &[u32],
    result: &mut CampaignResult,
    keep_details: bool,
) -> Option<Vec<Candidate>> {
    let order = walk_order(campaign, &candidates, position);
    let in_order = || order.iter().map(|&i| &candidates[i as usize]);
    let cut = cut_of(in_order(), campaign.budget, campaign.cap);
    result.cut = (candidates.len() - cut.end) as u64;
    result.total_cost = cut.cost;
    result.accepted.reserve_exact(cut.end);
    for c in in_order().take(cut.end) {
        if c.variant == HOLDOUT {
            result.holdout += 1;
        } else {
            result.treated += 1;
            result.variant_counts[c.variant as usize] += 1;
        }
        result.accepted.push((c.entity, c.variant));
    }
    keep_details.then(|| {
        let mut slots: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
        let mut take = |i: u32| slots[i as usize].take();
        order.iter().filter_map(|&i| take(i)).collect()
    })
}

/// The indices of the candidates in walk order: by the `rank by` keys, then by place in
/// key order.
fn walk_order(campaign: &Campaign, candidates: &[Candidate], position: &[u32]) -> Vec<u32> {
    let descending: Vec<bool> = campaign.rank_by.iter().map(|k| k.descending).collect();
    keyed_order(&descending, candidates, position)
        .unwrap_or_else(|| compared_order(&descending, candidates, position))
}

/// [`walk_order`] comparing values. The sort moves (place in key order, index) pairs
/// rather than whole candidates; without `rank by` it compares only places.
fn compared_order(descending: &[bool], candidates: &[Candidate], position: &[u32]) -> Vec<u32> {
    let mut order: Vec<(u32, u32)> = (candidates.iter())
        .zip(0..)
        .map(|(c, i)| (position[c.entity as usize], i))
        .collect();
    order.par_sort_unstable_by(|&(place_a, a), &(place_b, b)| {
        let (a, b) = (&candidates[a as usize], &candidates[b as usize]);
        rank_order(descending, a, b).then(place_a.cmp(&place_b))
    });
    order.into_iter().map(|(_, i)| i).collect()
}

/// [`walk_order`] for one `rank by` whose values all have plain keys (ints, exact
/// numbers, dates: [`Argument::plain_keys`]): sorting (null, key, place) tuples compares
/// no values.
fn keyed_order(
    descending: &[bool],
    candidates: &[Candidate],
    position: &[u32],
) -> Option<Vec<u32>> {
    let [descending] = descending else {
        return None;
    };
    let values = candidates.iter().map(|c| c.rank[0].clone()).collect();
    let keys = Argument::from_values(values).plain_keys()?;
    // Keys as unsigned numbers in the walk's order; nulls after them all.
    let direction = if *descending { u64::MAX } else { 0 };
    let walk_key = |key: Option<i64>| key.map(|k| (k as u64 ^ 1 << 63) ^ direction);
    let mut order: Vec<(bool, u64, u32, u32)> = (keys.into_iter().zip(candidates).zip(0..))
        .map(|((key, c), i)| match walk_key(key) {
            Some(key) => (false, key, position[c.entity as usize], i),
            None => (true, 0, position[c.entity as usize], i),
        })
        .collect();
    order.par_sort_unstable();
    Some(order.into_iter().map(|(_, _, _, i)| i).collect())
}

/// The order of two candidates by their `rank by` values (nulls last either way).
fn rank_order(descending: &[bool], a: &Candidate, b: &Candidate) -> Ordering {
    for (descending, (x, y)) in descending.iter().zip(a.rank.iter().zip(&b.rank)) {
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if *descending => total_order(y, x),
            (false, false) => total_order(x, y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Step 5: appends to `actions` the action rows of the accepted treated entities
/// (`accepted` is in key order) of `n` entities, in key order and then `do` order.
/// Payloads are evaluated a batch of entities at a time.
fn emit(
    world: &World,
    campaign: usize,
    accepted: &[(u32, u16)],
    n: usize,
    actions: &mut [ActionRows],
) -> Result<(), RunError> {
    let mut variants = vec![HOLDOUT; n];
    for &(e, variant) in accepted {
        variants[e as usize] = variant;
    }
    let mut batches = for_batches(world, n, |batch| {
        emit_batch(world, campaign, &variants, batch)
    })?;
    for (action, rows) in actions.iter_mut().enumerate() {
        rows.reserve(batches.iter().map(|b| b.counts[action]).sum());
    }
    let widths: Vec<usize> = (world.program().actions.iter())
        .map(|a| a.fields.len())
        .collect();
    for &(entity, variant) in accepted {
        if variant == HOLDOUT {
            continue;
        }
        let e = entity as usize;
        let emitted = &mut batches[e / CHUNK];
        for row in emitted.rows_of(e % CHUNK) {
            let (action, payload) = emitted.take(row, &widths);
            actions[action].push(entity, campaign, variant, payload);
        }
    }
    Ok(())
}

/// The payloads of one batch's treated entities, grouped by entity: those of batch
/// position `k` are rows `starts[k]..starts[k + 1]`, in `do` order.
struct Emitted {
    /// Per row: its action, and where its payload starts in `values`.
    rows: Vec<(u32, u32)>,
    /// The payloads, one after another (each as long as its action has fields).
    values: Vec<Value>,
    starts: Vec<u32>,
    /// How many rows each action has.
    counts: Vec<usize>,
}

impl Emitted {
    /// The rows of batch position `k`.
    fn rows_of(&self, k: usize) -> Range<usize> {
        self.starts[k] as usize..self.starts[k + 1] as usize
    }

    /// Row `row`'s action and payload (each row can be taken once), given how many fields
    /// each action has.
    fn take(&mut self, row: usize, widths: &[usize]) -> (usize, impl Iterator<Item = Value> + '_) {
        let (action, start) = (self.rows[row].0 as usize, self.rows[row].1 as usize);
        let payload = start..start + widths[action];
        (action, self.values[payload].iter_mut().map(std::mem::take))
    }
}

/// Step 5 for a batch: for each variant's entities (`variants` by entity, [`HOLDOUT`] for
/// entities without actions), each `do` whose `when` holds gives a row of its payload.
fn emit_batch(
    world: &World,
    campaign: usize,
    variants: &[u16],
    batch: &mut Batch,
) -> Result<Emitted, RunError> {
    let n = batch.len();
    let campaign = &world.program().campaigns[campaign];
    let program = world.program();
    // Per row: its batch position, action, and where its payload starts in `values`.
    let mut rows: Vec<(u32, u32, u32)> = Vec::new();
    let mut values = Vec::new();
    for (v, variant) in campaign.variants.iter().enumerate() {
        let treated: Vec<bool> = (0..n)
            .map(|k| usize::from(variants[batch.entity(k)]) == v)
            .collect();
        if !treated.contains(&true) {
            continue;
        }
        for d in &variant.dos {
            let acts = when_holds_batch(d, &treated, batch)?;
            let mut payload = Vec::with_capacity(d.values.len());
            for expr in &d.values {
                payload.push(batch.selected(expr, &acts)?.into_iter());
            }
            let fields = &program.actions[d.action].fields;
            for k in (0..n).filter(|&k| acts[k]) {
                rows.push((k as u32, d.action as u32, values.len() as u32));
                values.extend(
                    (payload.iter_mut().zip(fields)).map(|(column, field)| {
                        coerce(column.next().unwrap_or_default(), &field.ty)
                    }),
                );
            }
        }
    }
    // An entity's rows all come from its one variant, already in `do` order; payloads
    // stay where they were written, and the rows point at them.
    rows.sort_by_key(|(k, _, _)| *k);
    let mut starts = vec![0u32; n + 1];
    for &(k, _, _) in &rows {
        starts[k as usize + 1] += 1;
    }
    let mut total = 0;
    for start in &mut starts {
        total += *start;
        *start = total;
    }
    let mut counts = vec![0; program.actions.len()];
    for &(_, action, _) in &rows {
        counts[action as usize] += 1;
    }
    // The batches' payloads are all kept until their rows are moved in key order: kept
    // without the room their vectors grew into, and rows without their batch position.
    values.shrink_to_fit();
    Ok(Emitted {
        rows: rows
            .iter()
            .map(|&(_, action, start)| (action, start))
            .collect(),
        values,
        starts,
        counts,
    })
}

/// A value converted to a payload field's declared type (int → decimal, ...).
fn coerce(value: Value, ty: &Type) -> Value {
    match (&ty.ty, value) {
        (Ty::Decimal, Value::Int(n)) => Value::Decimal(Decimal::from(n)),
        (Ty::Float, v @ (Value::Int(_) | Value::Decimal(_))) => {
            v.as_f64().map_or(Value::Null, Value::Float)
        }
        (Ty::DateTime, Value::Date(d)) => Value::DateTime(d.and_time(chrono::NaiveTime::MIN)),
        (_, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(entity: u32, rank: Value) -> Candidate {
        Candidate {
            entity,
            variant: 0,
            cost: Decimal::ZERO,
            rank: SmallVec::from_elem(rank, 1),
        }
    }

    #[test]
    fn plain_keys_walk_in_the_order_value_comparisons_give() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let ints = |n: u64| Value::Int((n % 7) as i64 - 3);
        let decimals =
            |n: u64| Value::Decimal(Decimal::new((n % 2001) as i64 - 1000, (n % 3) as u32));
        let extremes = |n: u64| Value::Int([i64::MIN, -1, 0, 1, i64::MAX][(n % 5) as usize]);
        for value in [ints, decimals, extremes] {
            let candidates: Vec<Candidate> = (0..3000)
                .map(|e| {
                    let n = next();
                    candidate(
                        e,
                        if n % 11 == 0 {
                            Value::Null
                        } else {
                            value(n >> 4)
                        },
                    )
                })
                .collect();
            // Places in key order: the reverse of entity order.
            let position: Vec<u32> = (0..3000).rev().collect();
            for descending in [[false], [true]] {
                assert_eq!(
                    keyed_order(&descending, &candidates, &position),
                    Some(compared_order(&descending, &candidates, &position)),
                    "descending {descending:?}"
                );
            }
        }
    }

    #[test]
    fn buckets_hash_salt_colon_key_whatever_their_length() {
        for n in [0, 1, 40, 54, 55, 62, 63, 64, 65, 200] {
            let salt = "s".repeat(n / 2);
            let key = "k".repeat(n - n / 2);
            let digest = Md5::digest(format!("{salt}:{key}"));
            let expected = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
            assert_eq!(bucket(&salt, &key), expected % 10_000, "length {n}");
        }
    }

    #[test]
    fn values_without_plain_keys_are_compared() {
        let candidates = [candidate(0, Value::Float(0.5)), candidate(1, Value::Int(1))];
        assert_eq!(keyed_order(&[false], &candidates, &[0, 1]), None);
        assert_eq!(keyed_order(&[false, true], &candidates, &[0, 1]), None);
    }
}
