//! Exec stage: finding an entity by the text of its key.
//!
//! The keys themselves are kept once, in key order of arrival (`Vec<Arc<str>>`); the
//! index holds only entity numbers (4 bytes each) in a `hashbrown` table and compares
//! against the keys when probing. A map from `Arc<str>` to the number would take 24 bytes
//! per slot (about 50 MB at a million entities instead of 10).

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Entity numbers by the text of their keys (the keys live beside it).
#[derive(Debug, Default)]
pub struct KeyIndex {
    table: HashTable<u32>,
}

impl KeyIndex {
    /// The entity whose key (in `keys`) is `text`.
    pub fn find(&self, keys: &[Arc<str>], text: &str) -> Option<u32> {
        self.table
            .find(hash(text), |&e| &*keys[e as usize] == text)
            .copied()
    }

    /// Adds entity `entity`, whose key is `keys[entity]` and not in the index yet.
    pub fn insert(&mut self, keys: &[Arc<str>], entity: u32) {
        self.table
            .insert_unique(hash(&keys[entity as usize]), entity, |&e| {
                hash(&keys[e as usize])
            });
    }

    /// Makes room for `more` entities.
    pub fn reserve(&mut self, keys: &[Arc<str>], more: usize) {
        self.table.reserve(more, |&e| hash(&keys[e as usize]));
    }
}

fn hash(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
}

/// The keys of the entities with their index: what an event needs to find its entity.
#[derive(Debug, Clone, Copy)]
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
