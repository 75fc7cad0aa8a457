//! Exec stage: evaluating something for every entity on all cores, in chunks, keeping
//! entity order so that results never depend on the number of threads.

use rayon::prelude::*;

use super::error::RunError;
use super::eval::{Row, World};

/// Entities per chunk of parallel work.
const CHUNK: usize = 4096;

/// `f` for every entity `0..n`, in entity order. Each chunk has its own [`Row`]; the first
/// error in entity order is returned.
pub fn for_entities<T, F>(world: &World, n: usize, f: F) -> Result<Vec<T>, RunError>
where
    T: Send,
    F: Fn(&mut Row) -> Result<T, RunError> + Sync,
{
    let chunks = fold_chunks(world, n, Vec::with_capacity, |out: &mut Vec<T>, row| {
        out.push(f(row)?);
        Ok(())
    })?;
    let mut all = Vec::with_capacity(n);
    chunks.into_iter().for_each(|chunk| all.extend(chunk));
    Ok(all)
}

/// Folds the entities of each chunk into a state made by `init(chunk_len)`, on all cores;
/// the states come back in entity order (the first error in entity order wins).
pub fn fold_chunks<S, I, F>(world: &World, n: usize, init: I, step: F) -> Result<Vec<S>, RunError>
where
    S: Send,
    I: Fn(usize) -> S + Sync,
    F: Fn(&mut S, &mut Row) -> Result<(), RunError> + Sync,
{
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    starts
        .par_iter()
        .map(|&start| {
            let end = (start + CHUNK).min(n);
            let mut row = Row::new(world.program(), start);
            let mut state = init(end - start);
            for e in start..end {
                row.reset(e);
                step(&mut state, &mut row)?;
            }
            Ok(state)
        })
        .collect()
}

/// `f` for each item, in parallel, keeping the items' order.
pub fn map_in_order<I, T, F>(items: &[I], f: F) -> Result<Vec<T>, RunError>
where
    I: Sync,
    T: Send,
    F: Fn(&I) -> Result<T, RunError> + Sync + Send,
{
    items.par_iter().map(f).collect()
}
