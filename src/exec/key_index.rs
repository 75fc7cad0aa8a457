//! Exec stage: finding an entity by the text of its key.
//!
//! The keys themselves are kept once, in key order of arrival (`Vec<Arc<str>>`); the
//! index holds only entity numbers (4 bytes each) in `hashbrown` tables and compares
//! against the keys when probing. A map from `Arc<str>` to the number would take 24 bytes
//! per slot (about 50 MB at a million entities instead of 10). Keys are hashed with
//! hashbrown's default hasher (foldhash): FxHash left keys such as `C0000001` clustered,
//! and probing cost more than reading the event.
//!
//! The index is split by hash into [`SHARDS`] tables, so that it is built on all cores
//! and each table being built fits in the caches (one table of a million keys is built
//! at the speed of memory: every insert lands somewhere new in 10 MB). Each part of the
//! entity file hashes its keys while it reads them and lists them by shard, in row order
//! ([`ShardedKeys`]); [`KeyIndex::build`] then fills each shard's table on its own task,
//! inserting its keys in file order, so the first of two equal keys wins whatever the
//! number of threads.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rayon::prelude::*;

/// How many tables the index is split into, by hash. Fixed, so that the index (and which
/// of two equal keys comes first) never depends on the number of threads; at a million
/// keys, each table holds about 4,000.
const SHARDS: usize = 256;

/// How keys are hashed: one hasher per index, shared by everything that hashes keys for it.
#[derive(Clone, Default)]
pub struct KeyHasher(DefaultHashBuilder);

/// A key's hash, split in two: the shard that holds the key, and the 32 bits its shard's
/// table is probed with.
#[derive(Clone, Copy)]
struct KeyHash {
    shard: usize,
    tag: u32,
}

impl KeyHasher {
    fn hash(&self, text: &str) -> KeyHash {
        let hash = self.0.hash_one(text);
        KeyHash {
            shard: (hash >> 32) as usize % SHARDS,
            tag: hash as u32,
        }
    }
}

/// The hash a shard's table is given for a tag: the tag in both halves, so that the
/// table's bucket (its low bits) and its 7-bit control byte (its top bits) come from
/// different bits of the tag.
fn table_hash(tag: u32) -> u64 {
    u64::from(tag) << 32 | u64::from(tag)
}

/// The keys of one part of the entity file, hashed and listed by shard in row order: what
/// the part gives [`KeyIndex::build`].
pub struct ShardedKeys {
    /// Per shard: (row of the part, tag) of each of its keys.
    shards: Vec<Vec<(u32, u32)>>,
}

impl Default for ShardedKeys {
    /// No keys yet.
    fn default() -> ShardedKeys {
        ShardedKeys {
            shards: vec![Vec::new(); SHARDS],
        }
    }
}

impl ShardedKeys {
    /// Adds the key `text` of row `row` (rows are added in order).
    pub fn push(&mut self, hasher: &KeyHasher, row: u32, text: &str) {
        let hash = hasher.hash(text);
        self.shards[hash.shard].push((row, hash.tag));
    }
}

/// A row whose key an earlier row already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate {
    /// The row.
    pub row: u32,
    /// The first row with its key.
    pub first: u32,
}

/// Entity numbers by the text of their keys (the keys live beside it).
#[derive(Default)]
pub struct KeyIndex {
    /// The tables, [`SHARDS`] of them once built.
    shards: Vec<HashTable<u32>>,
    hasher: KeyHasher,
}

impl KeyIndex {
    /// Indexes every row of `keys` (numbered as in `keys`), given the parts of the file in
    /// order, each with the number of its first row and its keys hashed by `hasher`. The
    /// first row of each key is indexed; the others are returned, in row order.
    pub fn build(
        hasher: KeyHasher,
        keys: &[Arc<str>],
        parts: &[(u32, ShardedKeys)],
    ) -> (KeyIndex, Vec<Duplicate>) {
        let built: Vec<(HashTable<u32>, Vec<Duplicate>)> = (0..SHARDS)
            .into_par_iter()
            .map(|shard| build_shard(&hasher, keys, parts, shard))
            .collect();
        let (shards, duplicates): (Vec<_>, Vec<Vec<_>>) = built.into_iter().unzip();
        let mut duplicates: Vec<Duplicate> = duplicates.into_iter().flatten().collect();
        duplicates.sort_unstable_by_key(|d| d.row);
        (KeyIndex { shards, hasher }, duplicates)
    }

    /// Replaces each indexed row `r` by `numbers[r]` (once duplicates are taken out and
    /// the rows after them move up).
    pub fn renumber(&mut self, numbers: &[u32]) {
        self.shards.par_iter_mut().for_each(|table| {
            table
                .iter_mut()
                .for_each(|entity| *entity = numbers[*entity as usize]);
        });
    }

    /// The entity whose key (in `keys`) is `text`.
    pub fn find(&self, keys: &[Arc<str>], text: &str) -> Option<u32> {
        let hash = self.hasher.hash(text);
        self.shards
            .get(hash.shard)?
            .find(table_hash(hash.tag), |&e| &*keys[e as usize] == text)
            .copied()
    }
}

/// One shard's table: its keys from every part, inserted in file order; and the rows whose
/// key was already in it.
fn build_shard(
    hasher: &KeyHasher,
    keys: &[Arc<str>],
    parts: &[(u32, ShardedKeys)],
    shard: usize,
) -> (HashTable<u32>, Vec<Duplicate>) {
    let count = parts.iter().map(|(_, p)| p.shards[shard].len()).sum();
    // Room for every key at once: the table is small, and is never grown (rehashing would
    // read the text of every key in it again).
    let mut table = HashTable::with_capacity(count);
    let mut duplicates = Vec::new();
    let rehash = |&e: &u32| table_hash(hasher.hash(&keys[e as usize]).tag);
    for (first_row, part) in parts {
        for &(row, tag) in &part.shards[shard] {
            let row = first_row + row;
            // The key is read only when a slot's control byte matches (rarely): reading it
            // for every row would wait on memory each time.
            let same_key = |&e: &u32| keys[e as usize] == keys[row as usize];
            match table.entry(table_hash(tag), same_key, rehash) {
                Entry::Occupied(first) => duplicates.push(Duplicate {
                    row,
                    first: *first.get(),
                }),
                Entry::Vacant(slot) => {
                    slot.insert(row);
                }
            }
        }
    }
    (table, duplicates)
}

/// The keys of the entities with their index: what an event needs to find its entity.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    /// Key text by entity number.
    pub keys: &'a [Arc<str>],
    /// Entity number by key text.
    pub index: &'a KeyIndex,
}

impl Keys<'_> {
    /// The entity whose key is `text`.
    pub fn find(&self, text: &str) -> Option<usize> {
        self.index.find(self.keys, text).map(|e| e as usize)
    }

    /// How many entities there are.
    pub fn count(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index of `keys` read in parts that start at `starts`.
    fn index_in_parts(keys: &[Arc<str>], starts: &[usize]) -> (KeyIndex, Vec<Duplicate>) {
        let hasher = KeyHasher::default();
        let ends = starts.iter().skip(1).copied().chain([keys.len()]);
        let parts: Vec<(u32, ShardedKeys)> = starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| {
                let mut sharded = ShardedKeys::default();
                for (row, key) in keys[start..end].iter().enumerate() {
                    sharded.push(&hasher, row as u32, key);
                }
                (start as u32, sharded)
            })
            .collect();
        KeyIndex::build(hasher, keys, &parts)
    }

    fn keys(texts: &[&str]) -> Vec<Arc<str>> {
        texts.iter().map(|&t| Arc::from(t)).collect()
    }

    #[test]
    fn every_key_is_found_at_its_row() {
        let keys: Vec<Arc<str>> = (0..10_000).map(|i| Arc::from(format!("C{i:07}"))).collect();
        let (index, duplicates) = index_in_parts(&keys, &[0, 3_333, 7_000]);
        assert!(duplicates.is_empty());
        for (row, key) in keys.iter().enumerate() {
            assert_eq!(index.find(&keys, key), Some(row as u32));
        }
        assert_eq!(index.find(&keys, "C9999999"), None);
        assert_eq!(index.find(&keys, ""), None);
    }

    #[test]
    fn the_first_of_equal_keys_wins_across_parts() {
        let keys = keys(&["a", "b", "a", "c", "b", "a", "d"]);
        for starts in [&[0][..], &[0, 2], &[0, 3, 5], &[0, 1, 2, 3, 4, 5, 6]] {
            let (index, duplicates) = index_in_parts(&keys, starts);
            let expected = [(2, 0), (4, 1), (5, 0)].map(|(row, first)| Duplicate { row, first });
            assert_eq!(duplicates, expected, "parts starting at {starts:?}");
            assert_eq!(index.find(&keys, "a"), Some(0));
            assert_eq!(index.find(&keys, "d"), Some(6));
        }
    }

    #[test]
    fn renumbered_rows_are_found_at_their_new_numbers() {
        let keys = keys(&["a", "b", "a", "c"]);
        let (mut index, duplicates) = index_in_parts(&keys, &[0, 2]);
        assert_eq!(duplicates, [Duplicate { row: 2, first: 0 }]);
        index.renumber(&[0, 1, u32::MAX, 2]);
        let kept = self::keys(&["a", "b", "c"]);
        assert_eq!(index.find(&kept, "c"), Some(2));
        assert_eq!(index.find(&kept, "a"), Some(0));
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        assert_eq!(KeyIndex::default().find(&[], "a"), None);
        let (index, duplicates) = index_in_parts(&[], &[0]);
        assert!(duplicates.is_empty());
        assert_eq!(index.find(&[], "a"), None);
    }
}
