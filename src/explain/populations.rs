//! Explain stage: the statistic behind each population function's value for one entity
//! (`below` and `N` of LANGUAGE.md section 3), from the argument's value for every entity.

use std::cmp::Ordering;

use super::model::Statistic;
use super::printer;
use crate::check::hir::PopFunc;
use crate::exec::{Row, RunError, Value, World, compare};

/// Per population id: its statistic for `entity` (`None` for functions the run did not
/// compute).
pub(super) fn statistics(
    world: &World,
    entity: usize,
    entities: usize,
) -> Result<Vec<Option<Statistic>>, RunError> {
    let mut out = Vec::with_capacity(world.hir.populations.len());
    for (p, population) in world.hir.populations.iter().enumerate() {
        if world.populations[p].is_none() {
            out.push(None);
            continue;
        }
        let values = argument_values(world, p, entities)?;
        let mine = values[entity].clone();
        let count = values.iter().filter(|v| !v.is_null()).count() as u64;
        let below = match population.func {
            PopFunc::Ntile(_) | PopFunc::PercentRank if !mine.is_null() => Some(
                values
                    .iter()
                    .filter(|v| compare(v, &mine) == Some(Ordering::Less))
                    .count() as u64,
            ),
            _ => None,
        };
        out.push(Some(Statistic {
            function: function_name(population.func),
            argument: printer::text(world.hir, &population.arg),
            argument_value: mine,
            below,
            count,
        }));
    }
    Ok(out)
}

/// The population function's argument for every entity, as the run computes it.
fn argument_values(world: &World, p: usize, entities: usize) -> Result<Vec<Value>, RunError> {
    let arg = &world.program().populations[p].arg;
    let mut row = Row::new(world.program(), 0);
    let mut values = Vec::with_capacity(entities);
    for e in 0..entities {
        row.reset(e);
        values.push(world.eval(arg, &mut row)?);
    }
    Ok(values)
}

fn function_name(func: PopFunc) -> &'static str {
    match func {
        PopFunc::Ntile(_) => "ntile",
        PopFunc::Percentile(_) => "percentile",
        PopFunc::PercentRank => "percent_rank",
        PopFunc::Mean => "mean",
    }
}
