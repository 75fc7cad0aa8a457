//! Exec stage: finding an entity by the text of its key.
//!
//! The keys themselves are kept once, in key order of arrival (`Vec<Arc<str>>`); the
//! index holds only entity numbers (4 bytes each) in `hashbrown` tables and compares
//! against the keys when probing. A map from `Arc<str>` to the number would take 24 bytes
//! per slot (about 50 MB at a million entities instead of 10). Keys are hashed with
//! hashbrown's default hasher (foldhash): FxHash left keys such as `C0000001` clustered,
//! and probing cost more than reading the event.
//!
//! The index is split by hash into tables of at most [`KEYS_PER_SHARD`] keys, so that it
//! is built on all cores and each table being built fits in the caches (one table of a
//! million keys is built at the speed of memory: every insert lands somewhere new in
//! 10 MB). Each part of the
//! entity file hashes its keys while it reads them ([`KeyHashes`]); [`KeyIndex::build`]
//! groups them by shard, in row order, and fills each shard's table on its own task,
//! inserting its keys in file order, so the first of two equal keys wins whatever the
//! number of threads.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rayon::prelude::*;

/// About how many keys each table of the index holds (between half this and this): a table
/// then takes at most 320 KiB, which fits in a core's own cache, and at a million keys is
/// large enough to be its own mapping, given back to the system when dropped (smaller
/// tables, built on the worker threads' heaps, kept the run's peak memory 1 to 2 MiB higher).
const KEYS_PER_SHARD: usize = 1 << 15;

/// The most tables an index is split into.
const MAX_SHARDS: usize = 1 << 12;

/// How many tables an index of `keys` keys is split into, by hash: a power of two that
/// depends on nothing but the number of keys (not on the number of threads).
fn shard_count(keys: usize) -> usize {
    keys.div_ceil(KEYS_PER_SHARD)
        .next_power_of_two()
        .min(MAX_SHARDS)
}

/// How keys are hashed: one hasher per index, shared by everything that hashes keys for it.
#[derive(Clone, Default)]
pub struct KeyHasher(DefaultHashBuilder);

impl KeyHasher {
    fn hash(&self, text: &str, shards: usize) -> KeyHash {
        KeyHash::split(self.0.hash_one(text), shards)
    }
}

/// A key's hash, split in two: the shard that holds the key, and the 32 bits its shard's
/// table is probed with.
#[derive(Clone, Copy)]
struct KeyHash {
    shard: usize,
    tag: u32,
}

impl KeyHash {
    /// Splits a hash for an index of `shards` tables (a power of two).
    fn split(hash: u64, shards: usize) -> KeyHash {
        KeyHash {
            shard: (hash >> 32) as usize & (shards - 1),
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

/// The keys of one part of the entity file, hashed while they are read (and in the
/// caches): what the part gives [`KeyIndex::build`].
#[derive(Default)]
pub struct KeyHashes {
    /// The hash of each row's key.
    hashes: Vec<u64>,
}

impl KeyHashes {
    /// Adds the key of the next row.
    pub fn push(&mut self, hasher: &KeyHasher, text: &str) {
        self.hashes.push(hasher.0.hash_one(text));
    }
}

/// The rows of a part grouped by shard, each group in row order.
struct ByShard {
    /// (row, tag) of each key, the keys of shard `s` at `starts[s]..starts[s + 1]`.
    keys: Vec<(u32, u32)>,
    starts: Vec<usize>,
}

impl ByShard {
    /// Groups the rows of a part whose first row is `first_row` into `shards` shards (a
    /// counting sort).
    fn new(first_row: u32, hashes: &KeyHashes, shards: usize) -> ByShard {
        let mut starts = vec![0; shards + 1];
        for &hash in &hashes.hashes {
            starts[KeyHash::split(hash, shards).shard + 1] += 1;
        }
        for s in 1..starts.len() {
            starts[s] += starts[s - 1];
        }
        let mut next = starts.clone();
        let mut keys = vec![(0, 0); hashes.hashes.len()];
        for (row, &hash) in (first_row..).zip(&hashes.hashes) {
            let hash = KeyHash::split(hash, shards);
            keys[next[hash.shard]] = (row, hash.tag);
            next[hash.shard] += 1;
        }
        ByShard { keys, starts }
    }

    fn shard(&self, shard: usize) -> &[(u32, u32)] {
        &self.keys[self.starts[shard]..self.starts[shard + 1]]
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
    /// The tables (a power of two of them, or none before any key is indexed).
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
        parts: &[(u32, KeyHashes)],
    ) -> (KeyIndex, Vec<Duplicate>) {
        let shards = shard_count(keys.len());
        let parts: Vec<ByShard> = parts
            .par_iter()
            .map(|(first_row, hashes)| ByShard::new(*first_row, hashes, shards))
            .collect();
        let parts = &parts;
        let built: Vec<(HashTable<u32>, Vec<Duplicate>)> = (0..shards)
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
        let hash = self.hasher.hash(text, self.shards.len().max(1));
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
    parts: &[ByShard],
    shard: usize,
) -> (HashTable<u32>, Vec<Duplicate>) {
    let count = parts.iter().map(|p| p.shard(shard).len()).sum();
    // Room for every key at once: the table is small, and is never grown (rehashing would
    // read the text of every key in it again).
    let mut table = HashTable::with_capacity(count);
    let mut duplicates = Vec::new();
    let rehash = |&e: &u32| table_hash(hasher.hash(&keys[e as usize], 1).tag);
    for part in parts {
        for &(row, tag) in part.shard(shard) {
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

/// How many entities [`Keys::find_from`] compares before it probes the index.
const LOOK_AHEAD: usize = 8;

impl Keys<'_> {
    /// The entity whose key is `text`.
    pub fn find(&self, text: &str) -> Option<usize> {
        self.index.find(self.keys, text).map(|e| e as usize)
    }

    /// The entity whose key is `text`, looked for first among the few entities from
    /// `from` on. Events are often grouped by entity in the entity file's order, each
    /// entity's a little after the last one's (entities without events are skipped):
    /// comparing a few neighbouring keys costs less than a probe of the index, which
    /// waits on memory.
    pub fn find_from(&self, from: usize, text: &str) -> Option<usize> {
        let ahead = self.keys.get(from..).unwrap_or_default();
        match ahead.iter().take(LOOK_AHEAD).position(|key| **key == *text) {
            Some(k) => Some(from + k),
            None => self.find(text),
        }
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
        let parts: Vec<(u32, KeyHashes)> = starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| {
                let mut hashes = KeyHashes::default();
                keys[start..end]
                    .iter()
                    .for_each(|key| hashes.push(&hasher, key));
                (start as u32, hashes)
            })
            .collect();
        KeyIndex::build(hasher, keys, &parts)
    }

    fn keys(texts: &[&str]) -> Vec<Arc<str>> {
        texts.iter().map(|&t| Arc::from(t)).collect()
    }

    #[test]
    fn every_key_is_found_at_its_first_row_in_an_index_of_many_tables() {
        let count = 100_000;
        let mut keys: Vec<Arc<str>> = (0..count).map(|i| Arc::from(format!("C{i:07}"))).collect();
        keys.extend([7, 50_000, 7].map(|i| keys[i].clone()));
        let (index, duplicates) = index_in_parts(&keys, &[0, 33_333, 70_000]);
        assert!(shard_count(keys.len()) > 2);
        let expected =
            [(count, 7), (count + 1, 50_000), (count + 2, 7)].map(|(row, first)| Duplicate {
                row: row as u32,
                first,
            });
        assert_eq!(duplicates, expected);
        for (row, key) in keys[..count].iter().enumerate() {
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
    fn a_key_is_found_ahead_of_where_the_search_starts_behind_it_or_nowhere() {
        let names: Vec<String> = (0..40).map(|i| format!("K{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let keys = keys(&names);
        let (index, _) = index_in_parts(&keys, &[0]);
        let keys = Keys {
            keys: &keys,
            index: &index,
        };
        assert_eq!(keys.find_from(10, "K10"), Some(10));
        assert_eq!(keys.find_from(10, "K17"), Some(17));
        assert_eq!(keys.find_from(10, "K30"), Some(30));
        assert_eq!(keys.find_from(10, "K03"), Some(3));
        assert_eq!(keys.find_from(40, "K39"), Some(39));
        assert_eq!(keys.find_from(99, "K00"), Some(0));
        assert_eq!(keys.find_from(10, "K99"), None);
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        assert_eq!(KeyIndex::default().find(&[], "a"), None);
        let (index, duplicates) = index_in_parts(&[], &[0]);
        assert!(duplicates.is_empty());
        assert_eq!(index.find(&[], "a"), None);
    }
}
