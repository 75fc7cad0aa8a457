//! Exec stage: evaluating something for every entity on all cores, in batches of
//! consecutive entities, keeping entity order so that results never depend on the number
//! of threads.

use rayon::prelude::*;

use super::batch::Batch;
use super::error::RunError;
use super::eval::World;

/// Entities per batch of parallel work.
pub const CHUNK: usize = 4096;

/// `f` for each batch of entities `0..n`, on all cores; the results come back in entity
/// order (the first error in entity order wins).
pub fn for_batches<S, F>(world: &World, n: usize, f: F) -> Result<Vec<S>, RunError>
where
    S: Send,
    F: Fn(&mut Batch) -> Result<S, RunError> + Sync,
{
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    starts
        .par_iter()
        .map(|&start| f(&mut Batch::new(world, start, CHUNK.min(n - start))))
        .collect()
}

/// The values `f` gives each batch, joined in entity order.
pub fn concat_batches<T, F>(world: &World, n: usize, f: F) -> Result<Vec<T>, RunError>
where
    T: Send,
    F: Fn(&mut Batch) -> Result<Vec<T>, RunError> + Sync,
{
    let mut all = Vec::with_capacity(n);
    for_batches(world, n, f)?
        .into_iter()
        .for_each(|part| all.extend(part));
    Ok(all)
}
