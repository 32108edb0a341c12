//! The custom_ids of a job, each stored once: one arena of text, one entry per id in the
//! order it was added, and a table of (hash, entry index). About 50 bytes an id (a map of
//! boxed strings took 100), no allocation per id, the ids back in input order without a sort,
//! and a growing table rehashes from its own slots without touching the ids.

use hashbrown::HashTable;
use std::hash::Hasher as _;

/// A set of ids with a value each, in insertion order.
pub(crate) struct IdTable<V> {
    text: String,
    entries: Vec<Entry<V>>,
    table: HashTable<Slot>,
}

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    index: u32,
}

struct Entry<V> {
    start: u64,
    len: u32,
    value: V,
}

fn hash(id: &str) -> u64 {
    let mut h = super::FxHasher::default();
    h.write(id.as_bytes());
    h.finish()
}

impl<V> IdTable<V> {
    pub(crate) fn new() -> Self {
        Self { text: String::new(), entries: Vec::new(), table: HashTable::new() }
    }

    pub(crate) fn with_capacity(ids: usize) -> Self {
        Self { text: String::new(), entries: Vec::with_capacity(ids), table: HashTable::with_capacity(ids) }
    }

    fn key<'a>(text: &'a str, e: &Entry<V>) -> &'a str {
        &text[e.start as usize..e.start as usize + e.len as usize]
    }

    fn find(&self, id: &str) -> Option<usize> {
        let (text, entries) = (&self.text, &self.entries);
        let h = hash(id);
        let slot =
            self.table.find(h, |s| s.hash == h && Self::key(text, &entries[s.index as usize]) == id)?;
        Some(slot.index as usize)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        self.find(id).map(|i| &mut self.entries[i].value)
    }

    /// Adds `id` with `value` and returns its index, or, when it is there already, returns its
    /// value untouched.
    pub(crate) fn insert(&mut self, id: &str, value: V) -> Result<usize, &V> {
        let (text, entries) = (&self.text, &self.entries);
        let h = hash(id);
        let eq = |s: &Slot| s.hash == h && Self::key(text, &entries[s.index as usize]) == id;
        match self.table.entry(h, eq, |s| s.hash) {
            hashbrown::hash_table::Entry::Occupied(found) => {
                Err(&self.entries[found.get().index as usize].value)
            }
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let index = u32::try_from(self.entries.len()).expect("fewer than 2^32 ids");
                vacant.insert(Slot { hash: h, index });
                let start = self.text.len() as u64;
                self.text.push_str(id);
                self.entries.push(Entry { start, len: id.len() as u32, value });
                Ok(index as usize)
            }
        }
    }

    /// The value of the id at `index` (as [`IdTable::insert`] returned it).
    pub(crate) fn value_mut(&mut self, index: usize) -> &mut V {
        &mut self.entries[index].value
    }

    /// Frees the lookup table (the ids and values stay, for [`IdTable::iter`]).
    pub(crate) fn drop_index(&mut self) {
        self.table = HashTable::new();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every id with its value, in the order they were added.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|e| (Self::key(&self.text, e), &e.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_updated_and_listed_in_order() {
        let mut t = IdTable::new();
        for i in 0..10_000u32 {
            assert!(t.insert(&format!("id-{i}"), i).is_ok());
        }
        assert_eq!(t.len(), 10_000);
        assert_eq!(t.insert("id-42", 0), Err(&42));
        assert_eq!(t.get_mut("id-7777").copied(), Some(7777));
        assert_eq!(t.get_mut("id-10000"), None);
        *t.get_mut("id-5").unwrap() = 99;
        let listed: Vec<_> = t.iter().take(6).map(|(k, v)| (k.to_owned(), *v)).collect();
        assert_eq!(listed.last(), Some(&("id-5".to_owned(), 99)));
        assert_eq!(listed[0], ("id-0".to_owned(), 0));
        // Long, non-ASCII and prefix-sharing ids.
        t.insert("é東京-ünïcode", 1).unwrap();
        t.insert("id-1-suffix", 2).unwrap();
        assert_eq!(t.get_mut("é東京-ünïcode").copied(), Some(1));
        assert_eq!((t.get_mut("id-1-suffix").copied(), t.get_mut("id-1").copied()), (Some(2), Some(1)));
    }
}
