//! Exec stage: finding an entity by the text of its key.
//!
//! The keys themselves are kept once, in key order of arrival (`Vec<Arc<str>>`); the
//! index holds only entity numbers (4 bytes each) in a `hashbrown` table and compares
//! against the keys when probing. A map from `Arc<str>` to the number would take 24 bytes
//! per slot (about 50 MB at a million entities instead of 10). Keys are hashed with
//! hashbrown's default hasher (foldhash): FxHash left keys such as `C0000001` clustered,
//! and probing cost more than reading the event.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Entity numbers by the text of their keys (the keys live beside it).
#[derive(Default)]
pub struct KeyIndex {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl KeyIndex {
    /// The entity whose key (in `keys`) is `text`.
    pub fn find(&self, keys: &[Arc<str>], text: &str) -> Option<u32> {
        self.table
            .find(self.hash(text), |&e| &*keys[e as usize] == text)
            .copied()
    }

    /// Adds entity `entity`, whose key is `keys[entity]`; if another entity already has
    /// that key, gives that entity instead.
    pub fn insert(&mut self, keys: &[Arc<str>], entity: u32) -> Result<(), u32> {
        let key = &*keys[entity as usize];
        let hasher = &self.hasher;
        let entry = self.table.entry(
            hasher.hash_one(key),
            |&e| &*keys[e as usize] == key,
            |&e| hasher.hash_one(&*keys[e as usize]),
        );
        match entry {
            Entry::Occupied(first) => Err(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(entity);
                Ok(())
            }
        }
    }

    /// Makes room for `more` entities.
    pub fn reserve(&mut self, keys: &[Arc<str>], more: usize) {
        let hasher = &self.hasher;
        self.table
            .reserve(more, |&e| hasher.hash_one(&*keys[e as usize]));
    }

    fn hash(&self, text: &str) -> u64 {
        self.hasher.hash_one(text)
    }
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
