//! A zero-copy JSON document for validation: a flat arena in preorder, read by the
//! `jsonschema` crate through its [`Json`] representation trait.
//!
//! Parsing model output into a `serde_json::Value` (with `preserve_order`) allocates every
//! string and builds a hashed index per object: about nine tenths of the time spent on
//! validating text. A [`Doc`] is one `Vec` of entries instead, whose strings borrow the
//! input when they hold no escapes.
//!
//! * [`Doc::parse`] accepts exactly what `serde_json::from_str::<Value>` accepts, reads
//!   numbers the same way, stops at the same level of nesting (127 levels pass, the 128th
//!   is refused), and fails with the same messages, lines and columns: its own tokenizer
//!   (`scan.rs`) reads well-formed text and leaves everything else (every error included)
//!   to serde_json's tokenizer.
//! * [`Doc::from_value`] lays out an already parsed `Value`, borrowing its strings, so one
//!   compiled validator serves both text and values.
//! * Duplicate keys are resolved as `serde_json::Map` resolves them: the key keeps the place
//!   of its first occurrence and takes the value of its last. A `Doc` therefore never holds
//!   two members with one key, and validating it gives the results validating the `Value`
//!   gives (`maxProperties`, `additionalProperties`, `propertyNames` see the same members).
//!
//! Layout: scalars (`null`, booleans, numbers as `serde_json::Number`, strings) take one
//! entry; an array is a header holding its item count and the size of its subtree, followed
//! by its items; an object is a header followed, per member, by the key (a string entry) and
//! the value's subtree. The size lets a reader skip to the next sibling in one step.

use std::borrow::Cow;
use std::collections::hash_map::{Entry as Slot, RandomState};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::ControlFlow;

use jsonschema::json::{cmp, Array, Json, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

pub(crate) mod grow;
mod scan;

/// The representation marker: `jsonschema::options_for::<Tape>()` builds validators whose
/// instances are [`TapeNode`]s.
#[derive(Debug)]
pub enum Tape {}

/// One entry of the arena.
#[derive(Clone, Debug)]
enum Entry<'src> {
    Null,
    Bool(bool),
    /// Exactly the number `serde_json::Value` would hold for the same text.
    Number(Number),
    /// A string value or an object key; borrowed from the input when it has no escapes.
    String(Cow<'src, str>),
    /// `len` items follow; `size` entries make up the array, its header included.
    Array {
        len: u32,
        size: u32,
    },
    /// `len` members (key, value subtree) follow; `size` entries make up the object.
    Object {
        len: u32,
        size: u32,
    },
}

/// Stands in for an index past the arena (which a well-formed doc never produces), so that
/// no read can panic.
static NULL: Entry<'static> = Entry::Null;

/// Entries a doc may hold: indices are `u32` (a doc that large would take 128 GB).
const MAX_ENTRIES: usize = u32::MAX as usize;

impl Entry<'_> {
    /// Entries in the subtree this entry heads.
    fn size(&self) -> u32 {
        match self {
            Entry::Array { size, .. } | Entry::Object { size, .. } => *size,
            _ => 1,
        }
    }
}

/// A parsed JSON document: a flat arena of entries in preorder, borrowing strings from
/// the text (or the `Value`) it was built from.
#[derive(Clone, Debug, Default)]
pub struct Doc<'src> {
    entries: Vec<Entry<'src>>,
    /// For a doc laid out from a `Value`: per entry, the value it came from (`None` for keys),
    /// so that validation errors borrow their instances instead of building them. Empty for
    /// a doc parsed from text.
    values: Vec<Option<&'src Value>>,
}

impl<'src> Doc<'src> {
    /// Parses `text`: the tape's own tokenizer (`scan.rs`) for what it reads exactly as
    /// serde_json does, serde_json's tokenizer for the rest (and for every error).
    ///
    /// # Errors
    /// Exactly the errors `serde_json::from_str::<serde_json::Value>(text)` returns: syntax
    /// errors and trailing characters with their line and column, and "recursion limit
    /// exceeded" past 127 levels of nesting.
    pub fn parse(text: &'src str) -> Result<Self, serde_json::Error> {
        match scan::parse(text) {
            Some(entries) => Ok(Self { entries, values: Vec::new() }),
            None => Self::parse_with_serde(text),
        }
    }

    /// Parses `text` with serde_json's tokenizer (the reference the fast tokenizer is tested against).
    fn parse_with_serde(text: &'src str) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        // Model output runs about 7 bytes per entry (the 20 KB bench case); a sixteenth costs
        // at most two doublings there and reserves little for string-heavy text. (Larger
        // starts and a reused thread-local arena measured no faster.)
        let mut builder = Builder { entries: Vec::with_capacity(text.len() / 16 + 1) };
        ValueSeed(&mut builder).deserialize(&mut de)?;
        de.end()?;
        Ok(Self { entries: builder.entries, values: Vec::new() })
    }

    /// Lays out a parsed value, borrowing its strings and sharing its numbers' values.
    ///
    /// Iterative: a value nested arbitrarily deep costs no stack. A value with more than
    /// `u32::MAX` nodes is not supported (its doc would take 128 GB).
    #[must_use]
    pub fn from_value(value: &'src Value) -> Self {
        enum Frame<'v> {
            Array(usize, std::slice::Iter<'v, Value>),
            Object(usize, serde_json::map::Iter<'v>),
        }
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut entries = Vec::new();
        let mut values = Vec::new();
        let mut stack: Vec<Frame<'src>> = Vec::new();
        let mut next = Some(value);
        loop {
            if let Some(value) = next.take() {
                values.push(Some(value));
                match value {
                    Value::Null => entries.push(Entry::Null),
                    Value::Bool(b) => entries.push(Entry::Bool(*b)),
                    Value::Number(n) => entries.push(Entry::Number(n.clone())),
                    Value::String(s) => entries.push(Entry::String(Cow::Borrowed(s))),
                    Value::Array(items) => {
                        stack.push(Frame::Array(entries.len(), items.iter()));
                        entries.push(Entry::Array { len: count(items.len()), size: 1 });
                    }
                    Value::Object(map) => {
                        stack.push(Frame::Object(entries.len(), map.iter()));
                        entries.push(Entry::Object { len: count(map.len()), size: 1 });
                    }
                }
            }
            let Some(top) = stack.last_mut() else { break };
            let done = match top {
                Frame::Array(header, items) => match items.next() {
                    Some(item) => {
                        next = Some(item);
                        None
                    }
                    None => Some(*header),
                },
                Frame::Object(header, members) => match members.next() {
                    Some((key, item)) => {
                        entries.push(Entry::String(Cow::Borrowed(key)));
                        values.push(None);
                        next = Some(item);
                        None
                    }
                    None => Some(*header),
                },
            };
            if let Some(header) = done {
                stack.pop();
                let size = count(entries.len() - header);
                if let Some(Entry::Array { size: s, .. } | Entry::Object { size: s, .. }) =
                    entries.get_mut(header)
                {
                    *s = size;
                }
            }
        }
        Self { entries, values }
    }

    /// The document's root value.
    #[must_use]
    pub fn root(&self) -> TapeNode<'_> {
        TapeNode { doc: self, index: 0 }
    }

    /// The document as a `serde_json::Value` (equal to what `serde_json::from_str` gives,
    /// keys in the same order).
    #[must_use]
    pub fn to_value(&self) -> Value {
        self.root().build_value()
    }

    fn entry(&self, index: u32) -> &Entry<'src> {
        self.entries.get(index as usize).unwrap_or(&NULL)
    }

    fn size(&self, index: u32) -> u32 {
        self.entry(index).size()
    }

    fn str_at(&self, index: u32) -> &str {
        DocView(&self.entries).str_at(index)
    }
}

// ---------------------------------------------------------------------------------------
// Building from text.

struct Builder<'src> {
    entries: Vec<Entry<'src>>,
}

/// Reading an arena (also one under construction).
#[derive(Clone, Copy)]
struct DocView<'d, 'src>(&'d [Entry<'src>]);

impl<'d> DocView<'d, '_> {
    fn entry(self, index: u32) -> &'d Entry<'d> {
        self.0.get(index as usize).unwrap_or(&NULL)
    }

    fn str_at(self, index: u32) -> &'d str {
        match self.entry(index) {
            Entry::String(s) => s,
            _ => "",
        }
    }

    /// The key after the member whose key is at `key`.
    fn next_key(self, key: u32) -> u32 {
        let value = key.saturating_add(1);
        value.saturating_add(self.entry(value).size())
    }

    /// Exactly whether two keys of the object at `header` are equal.
    #[cold]
    fn keys_repeat(self, header: u32, len: u32) -> bool {
        let mut keys = Vec::with_capacity(len as usize);
        let mut key = header.saturating_add(1);
        for _ in 0..len {
            keys.push(self.str_at(key));
            key = self.next_key(key);
        }
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

impl<'src> Builder<'src> {
    #[inline]
    fn push<E: de::Error>(&mut self, entry: Entry<'src>) -> Result<u32, E> {
        let index = self.entries.len();
        if index >= MAX_ENTRIES {
            return Err(E::custom("the document holds more than 4294967295 values"));
        }
        self.entries.push(entry);
        // Below MAX_ENTRIES, so it fits.
        Ok(u32::try_from(index).unwrap_or(u32::MAX))
    }

    fn size_from(&self, header: u32) -> u32 {
        u32::try_from(self.entries.len() - header as usize).unwrap_or(u32::MAX)
    }

    fn close(&mut self, header: u32, count: u32) {
        let total = self.size_from(header);
        if let Some(Entry::Array { len, size } | Entry::Object { len, size }) =
            self.entries.get_mut(header as usize)
        {
            *len = count;
            *size = total;
        }
    }

    /// Rewrites the members of the object at `header` (the last one in the arena) as
    /// `serde_json::Map::insert` would leave them: each key at its first place, holding its
    /// last value. Returns the number of members left.
    fn dedup(&mut self, header: u32, len: u32) -> u32 {
        let base = (header as usize).saturating_add(1).min(self.entries.len());
        let tail = self.entries.split_off(base);
        let view = DocView(&tail);
        // (key, value) positions in `tail`, one per distinct key, in first-seen order.
        let mut slots: Vec<(u32, u32)> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut key = 0_u32;
        for _ in 0..len {
            let value = key.saturating_add(1);
            match seen.entry(view.str_at(key)) {
                Slot::Occupied(slot) => {
                    if let Some(s) = slots.get_mut(*slot.get()) {
                        s.1 = value;
                    }
                }
                Slot::Vacant(slot) => {
                    slot.insert(slots.len());
                    slots.push((key, value));
                }
            }
            key = view.next_key(key);
        }
        for &(key, value) in &slots {
            self.entries.extend(tail.get(key as usize).cloned());
            let end = (value as usize).saturating_add(view.entry(value).size() as usize);
            if let Some(subtree) = tail.get(value as usize..end) {
                self.entries.extend_from_slice(subtree);
            }
        }
        u32::try_from(slots.len()).unwrap_or(u32::MAX)
    }
}

/// A cheap hash of a key (length, first, middle and last bytes) for [`Bloom`].
#[inline]
fn fingerprint(key: &str) -> u64 {
    let b = key.as_bytes();
    let (first, middle, last) = match b {
        [] => (0, 0, 0),
        [first, .., last] => (*first, b.get(b.len() / 2).copied().unwrap_or(0), *last),
        [only] => (*only, *only, *only),
    };
    (b.len() as u64) | (u64::from(first) << 16) | (u64::from(middle) << 24) | (u64::from(last) << 32)
}

/// A 128-bit Bloom filter over the keys of one object: distinct keys rarely share a bit,
/// and only a shared bit costs an exact check for duplicates.
#[derive(Clone, Copy, Debug, Default)]
struct Bloom {
    bits: u128,
    collided: bool,
}

impl Bloom {
    #[inline]
    fn insert(&mut self, fingerprint: u64) {
        let bit = 1_u128 << (fingerprint.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57);
        self.collided |= self.bits & bit != 0;
        self.bits |= bit;
    }
}

struct ValueSeed<'b, 'src>(&'b mut Builder<'src>);

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push(Entry::Bool(v)).map(drop)
    }

    // As `serde_json::Value` stores them: `Number::from` puts a non-negative i64 with the u64s.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.push(Entry::Number(Number::from(v))).map(drop)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push(Entry::Number(Number::from(v))).map(drop)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.push(Number::from_f64(v).map_or(Entry::Null, Entry::Number)).map(drop)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push(Entry::String(Cow::Owned(v.to_owned()))).map(drop)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.0.push(Entry::String(Cow::Borrowed(v))).map(drop)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.0.push(Entry::String(Cow::Owned(v))).map(drop)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push(Entry::Null).map(drop)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let builder = self.0;
        let header = builder.push(Entry::Array { len: 0, size: 1 })?;
        let mut len = 0_u32;
        while seq.next_element_seed(ValueSeed(&mut *builder))?.is_some() {
            len = len.saturating_add(1);
        }
        builder.close(header, len);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let builder = self.0;
        let header = builder.push(Entry::Object { len: 0, size: 1 })?;
        let mut len = 0_u32;
        let mut bloom = Bloom::default();
        while let Some(fingerprint) = map.next_key_seed(KeySeed(&mut *builder))? {
            bloom.insert(fingerprint);
            map.next_value_seed(ValueSeed(&mut *builder))?;
            len = len.saturating_add(1);
        }
        if bloom.collided && DocView(&builder.entries).keys_repeat(header, len) {
            len = builder.dedup(header, len);
        }
        builder.close(header, len);
        Ok(())
    }
}

struct KeySeed<'b, 'src>(&'b mut Builder<'src>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_, 'de> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> KeySeed<'_, 'de> {
    /// Pushes the key; returns its fingerprint.
    #[inline]
    fn push<E: de::Error>(self, key: Cow<'de, str>) -> Result<u64, E> {
        let fingerprint = fingerprint(&key);
        self.0.push(Entry::String(key))?;
        Ok(fingerprint)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, 'de> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        self.push(Cow::Owned(v.to_owned()))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<u64, E> {
        self.push(Cow::Borrowed(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<u64, E> {
        self.push(Cow::Owned(v))
    }
}

// ---------------------------------------------------------------------------------------
// The representation.

impl Json for Tape {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = Box<str>;
    /// A one-string doc whose string's allocation is reused across names.
    type StringBuffer = Doc<'static>;

    /// [`Object::get`] is itself a scan over the members, so one members pass never costs
    /// more than the lookups it replaces: every object is scanned. (The crate multiplies this
    /// by at most 16; `1 << 24` keeps that product within a 32-bit `usize`.)
    const KEYS_PER_LOOKUP: usize = 1 << 24;

    /// A doc is a tree: no node is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut Doc<'static>, string: &str, f: impl FnOnce(TapeNode<'_>) -> T) -> T {
        if let [Entry::String(Cow::Owned(s))] = buffer.entries.as_mut_slice() {
            s.clear();
            s.push_str(string);
        } else {
            buffer.entries.clear();
            buffer.entries.push(Entry::String(Cow::Owned(string.to_owned())));
        }
        f(TapeNode { doc: buffer, index: 0 })
    }
}

/// One value of a [`Doc`]: the doc and the value's index in it.
#[derive(Clone, Copy, Debug)]
pub struct TapeNode<'a> {
    doc: &'a Doc<'a>,
    index: u32,
}

/// An object of a [`Doc`].
#[derive(Clone, Copy, Debug)]
pub struct TapeObject<'a> {
    doc: &'a Doc<'a>,
    header: u32,
    len: u32,
}

/// An array of a [`Doc`].
#[derive(Clone, Copy, Debug)]
pub struct TapeArray<'a> {
    doc: &'a Doc<'a>,
    header: u32,
    len: u32,
}

/// The members of a [`TapeObject`], in document order, one per key.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    doc: &'a Doc<'a>,
    next: u32,
    left: u32,
}

/// The items of a [`TapeArray`], in order.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    doc: &'a Doc<'a>,
    next: u32,
    left: u32,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TapeNode<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.next;
        let value = key.saturating_add(1);
        self.next = value.saturating_add(self.doc.size(value));
        Some((self.doc.str_at(key), TapeNode { doc: self.doc, index: value }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Members<'_> {}

impl<'a> Iterator for Elements<'a> {
    type Item = TapeNode<'a>;

    #[inline]
    fn next(&mut self) -> Option<TapeNode<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let index = self.next;
        self.next = index.saturating_add(self.doc.size(index));
        Some(TapeNode { doc: self.doc, index })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Elements<'_> {}

/// Length in code points: the bytes that do not continue a UTF-8 sequence.
fn char_count(s: &str) -> u64 {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count() as u64
}

impl<'a> TapeNode<'a> {
    #[inline]
    fn entry(self) -> &'a Entry<'a> {
        self.doc.entry(self.index)
    }

    /// The `Value` this node was laid out from, if any.
    fn source_value(self) -> Option<&'a Value> {
        self.doc.values.get(self.index as usize).copied().flatten()
    }

    fn members(self, header: u32, len: u32) -> Members<'a> {
        Members { doc: self.doc, next: header.saturating_add(1), left: len }
    }

    /// JSON equality (numbers mathematically) between two nodes, of any docs.
    fn equals(self, other: TapeNode<'_>) -> bool {
        match (self.entry(), other.entry()) {
            (Entry::Null, Entry::Null) => true,
            (Entry::Bool(a), Entry::Bool(b)) => a == b,
            (Entry::Number(a), Entry::Number(b)) => cmp::equal_numbers(a, b),
            (Entry::String(a), Entry::String(b)) => a == b,
            (Entry::Array { len: a, .. }, Entry::Array { len: b, .. }) => {
                a == b
                    && Elements { doc: self.doc, next: self.index.saturating_add(1), left: *a }
                        .zip(Elements { doc: other.doc, next: other.index.saturating_add(1), left: *b })
                        .all(|(x, y)| x.equals(y))
            }
            (Entry::Object { len: a, .. }, Entry::Object { len: b, .. }) => {
                if a != b {
                    return false;
                }
                let theirs = TapeObject { doc: other.doc, header: other.index, len: *b };
                let mut pairs = self.members(self.index, *a).zip(theirs.members_iter());
                // Same order first (the usual case); on the first key out of place, look up.
                for ((ka, va), (kb, vb)) in pairs.by_ref() {
                    if ka != kb {
                        return self
                            .members(self.index, *a)
                            .all(|(k, v)| theirs.find(k).is_some_and(|w| v.equals(w)));
                    }
                    if !va.equals(vb) {
                        return false;
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// A hash agreeing with [`Self::equals`]: equal nodes hash alike.
    fn hash_into<H: Hasher>(self, state: &mut H, keys: &RandomState) {
        match self.entry() {
            Entry::Null => state.write_u8(0),
            Entry::Bool(b) => b.hash(state),
            // Mathematically equal numbers convert to the same f64; 0 and -0 are equal.
            Entry::Number(n) => match n.as_f64() {
                Some(f) => state.write_u64(if f == 0.0 { 0 } else { f.to_bits() }),
                None => state.write_u8(1),
            },
            Entry::String(s) => s.as_ref().hash(state),
            Entry::Array { len, .. } => {
                state.write_u32(*len);
                for item in (Elements { doc: self.doc, next: self.index.saturating_add(1), left: *len }) {
                    item.hash_into(state, keys);
                }
            }
            // Order-independent: members may come in any order in an equal object.
            Entry::Object { len, .. } => {
                let mut sum = 0_u64;
                for (key, value) in self.members(self.index, *len) {
                    let mut member = keys.build_hasher();
                    key.hash(&mut member);
                    value.hash_into(&mut member, keys);
                    sum ^= member.finish();
                }
                state.write_u64(sum);
            }
        }
    }

    /// The subtree as a `serde_json::Value`, built without recursion.
    fn build_value(self) -> Value {
        enum Open {
            Array(Vec<Value>, u32),
            Object(Map<String, Value>, u32, Option<String>),
        }
        let doc = self.doc;
        let mut stack: Vec<Open> = Vec::new();
        let mut index = self.index;
        loop {
            let entry = doc.entry(index);
            index = index.saturating_add(1);
            if let Some(Open::Object(_, _, key @ None)) = stack.last_mut() {
                *key = Some(match entry {
                    Entry::String(s) => s.clone().into_owned(),
                    _ => String::new(),
                });
                continue;
            }
            let mut value = match entry {
                Entry::Null => Value::Null,
                Entry::Bool(b) => Value::Bool(*b),
                Entry::Number(n) => Value::Number(n.clone()),
                Entry::String(s) => Value::String(s.clone().into_owned()),
                Entry::Array { len: 0, .. } => Value::Array(Vec::new()),
                Entry::Object { len: 0, .. } => Value::Object(Map::new()),
                Entry::Array { len, .. } => {
                    stack.push(Open::Array(Vec::with_capacity(*len as usize), *len));
                    continue;
                }
                Entry::Object { len, .. } => {
                    stack.push(Open::Object(Map::with_capacity(*len as usize), *len, None));
                    continue;
                }
            };
            // Hand the value to its parent, closing every container it completes.
            loop {
                let full = match stack.last_mut() {
                    None => return value,
                    Some(Open::Array(items, left)) => {
                        items.push(value);
                        *left -= 1;
                        *left == 0
                    }
                    Some(Open::Object(map, left, key)) => {
                        map.insert(key.take().unwrap_or_default(), value);
                        *left -= 1;
                        *left == 0
                    }
                };
                if !full {
                    break;
                }
                value = match stack.pop() {
                    Some(Open::Array(items, _)) => Value::Array(items),
                    Some(Open::Object(map, _, _)) => Value::Object(map),
                    None => return Value::Null,
                };
            }
        }
    }
}

impl<'a> TapeObject<'a> {
    fn members_iter(self) -> Members<'a> {
        Members { doc: self.doc, next: self.header.saturating_add(1), left: self.len }
    }

    /// The member named `key` (keys are unique in a doc: the one `serde_json::Map` keeps).
    #[inline]
    fn find(self, key: &str) -> Option<TapeNode<'a>> {
        self.members_iter().find_map(|(name, value)| (name == key).then_some(value))
    }
}

impl<'a> Node<'a, Tape> for TapeNode<'a> {
    type Object = TapeObject<'a>;
    type Array = TapeArray<'a>;
    type Number = &'a Number;

    #[inline]
    fn as_object(&self) -> Option<TapeObject<'a>> {
        match self.entry() {
            Entry::Object { len, .. } => Some(TapeObject { doc: self.doc, header: self.index, len: *len }),
            _ => None,
        }
    }

    #[inline]
    fn as_array(&self) -> Option<TapeArray<'a>> {
        match self.entry() {
            Entry::Array { len, .. } => Some(TapeArray { doc: self.doc, header: self.index, len: *len }),
            _ => None,
        }
    }

    #[inline]
    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self.entry() {
            Entry::String(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    #[inline]
    fn as_number(&self) -> Option<&'a Number> {
        match self.entry() {
            Entry::Number(n) => Some(n),
            _ => None,
        }
    }

    #[inline]
    fn as_boolean(&self) -> Option<bool> {
        match self.entry() {
            Entry::Bool(b) => Some(*b),
            _ => None,
        }
    }

    #[inline]
    fn is_null(&self) -> bool {
        matches!(self.entry(), Entry::Null)
    }

    #[inline]
    fn is_number(&self) -> bool {
        matches!(self.entry(), Entry::Number(_))
    }

    #[inline]
    fn is_string(&self) -> bool {
        matches!(self.entry(), Entry::String(_))
    }

    #[inline]
    fn json_type(&self) -> JsonType {
        match self.entry() {
            Entry::Null => JsonType::Null,
            Entry::Bool(_) => JsonType::Boolean,
            Entry::Number(_) => JsonType::Number,
            Entry::String(_) => JsonType::String,
            Entry::Array { .. } => JsonType::Array,
            Entry::Object { .. } => JsonType::Object,
        }
    }

    fn string_length(&self) -> Option<u64> {
        match self.entry() {
            Entry::String(s) => Some(char_count(s)),
            _ => None,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let Entry::String(s) = self.entry() else {
            return None;
        };
        // A code point takes one to four bytes, so the count lies in `ceil(bytes / 4)..=bytes`.
        let bytes = s.len() as u64;
        let fewest = bytes.div_ceil(4);
        if bytes < min || fewest > max {
            return Some(false);
        }
        if min <= fewest && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&char_count(s)))
    }

    /// `const` / `enum`: compares in place, allocating nothing; numbers compare
    /// mathematically through `jsonschema`'s own number comparison.
    fn equals_value(&self, expected: &Value) -> bool {
        match (self.entry(), expected) {
            (Entry::Null, Value::Null) => true,
            (Entry::Bool(a), Value::Bool(b)) => a == b,
            (Entry::Number(a), Value::Number(b)) => cmp::equal_numbers(a, b),
            (Entry::String(a), Value::String(b)) => a.as_ref() == b.as_str(),
            (Entry::Array { len, .. }, Value::Array(items)) => {
                *len as usize == items.len()
                    && Elements { doc: self.doc, next: self.index.saturating_add(1), left: *len }
                        .zip(items)
                        .all(|(item, expected)| item.equals_value(expected))
            }
            (Entry::Object { len, .. }, Value::Object(map)) => {
                *len as usize == map.len()
                    && self
                        .members(self.index, *len)
                        .all(|(key, value)| map.get(key).is_some_and(|expected| value.equals_value(expected)))
            }
            _ => false,
        }
    }

    /// Borrowed when the doc was laid out from a `Value`; otherwise built (errors only: the
    /// default `lazy_value` reads it for each error's instance).
    fn to_value(&self) -> Cow<'a, Value> {
        match self.source_value() {
            Some(value) => Cow::Borrowed(value),
            None => Cow::Owned(self.build_value()),
        }
    }

    #[inline]
    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(std::ptr::from_ref(self.doc) as usize, self.index))
    }
}

impl<'a> Object<'a, Tape> for TapeObject<'a> {
    type Node = TapeNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    #[inline]
    fn len(&self) -> usize {
        self.len as usize
    }

    /// A scan: objects in model output are small. Keys are unique in a doc (the value is the
    /// last one the text gave for the key, as in `serde_json::Value`).
    #[inline]
    fn get(&self, key: &Box<str>) -> Option<TapeNode<'a>> {
        self.find(key)
    }

    /// One member per distinct key, in the order of the keys' first occurrence.
    #[inline]
    fn members(&self) -> Members<'a> {
        self.members_iter()
    }

    /// The keys are string entries of the doc already: hand them over as nodes.
    fn try_for_each_name_node<B>(
        &self,
        _buffer: &mut Doc<'static>,
        mut f: impl FnMut(TapeNode<'_>) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        let mut key = self.header.saturating_add(1);
        for _ in 0..self.len {
            f(TapeNode { doc: self.doc, index: key })?;
            let value = key.saturating_add(1);
            key = value.saturating_add(self.doc.size(value));
        }
        ControlFlow::Continue(())
    }
}

/// Arrays up to this length are checked for `uniqueItems` pairwise; longer ones by hash
/// (`jsonschema`'s own threshold).
const PAIRWISE_UNIQUE: u32 = 15;

impl<'a> Array<'a, Tape> for TapeArray<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = Elements<'a>;

    #[inline]
    fn len(&self) -> usize {
        self.len as usize
    }

    #[inline]
    fn elements(&self) -> Elements<'a> {
        Elements { doc: self.doc, next: self.header.saturating_add(1), left: self.len }
    }

    /// In place, allocating nothing up to 15 items, and one hash per item beyond.
    fn is_unique(&self) -> bool {
        if self.len <= 1 {
            return true;
        }
        if self.len <= PAIRWISE_UNIQUE {
            return self
                .elements()
                .enumerate()
                .all(|(i, a)| self.elements().skip(i + 1).all(|b| !a.equals(b)));
        }
        let keys = RandomState::new();
        let mut hashed: Vec<(u64, TapeNode<'a>)> = self
            .elements()
            .map(|item| {
                let mut state = keys.build_hasher();
                item.hash_into(&mut state, &keys);
                (state.finish(), item)
            })
            .collect();
        hashed.sort_unstable_by_key(|&(hash, _)| hash);
        // Compare within each run of equal hashes.
        let mut start = 0;
        while start < hashed.len() {
            let hash = hashed[start].0;
            let end =
                hashed[start..].iter().position(|&(h, _)| h != hash).map_or(hashed.len(), |n| start + n);
            let run = &hashed[start..end];
            for (i, &(_, a)) in run.iter().enumerate() {
                if run[i + 1..].iter().any(|&(_, b)| a.equals(b)) {
                    return false;
                }
            }
            start = end;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::schema::validate::{Validator, ValidatorOptions};

    /// A JSON text generator that, unlike `Value`, can repeat keys and choose its escapes.
    #[derive(Clone, Debug)]
    enum Gen {
        Null,
        Bool(bool),
        Num(String),
        /// The string, and whether to write every character as `\u` escapes.
        Str(String, bool),
        Arr(Vec<Gen>),
        Obj(Vec<(String, bool, Gen)>),
    }

    fn quote(s: &str, escape_all: bool, out: &mut String) {
        if escape_all {
            out.push('"');
            for unit in s.encode_utf16() {
                out.push_str(&format!("\\u{unit:04x}"));
            }
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(s).unwrap());
        }
    }

    fn render(g: &Gen, spaced: bool, out: &mut String) {
        let gap = if spaced { "\n  " } else { "" };
        match g {
            Gen::Null => out.push_str("null"),
            Gen::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Gen::Num(n) => out.push_str(n),
            Gen::Str(s, e) => quote(s, *e, out),
            Gen::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        out.push_str(gap);
                    }
                    render(item, spaced, out);
                }
                out.push(']');
            }
            Gen::Obj(members) => {
                out.push('{');
                for (i, (key, e, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        out.push_str(gap);
                    }
                    quote(key, *e, out);
                    out.push(':');
                    out.push_str(gap);
                    render(value, spaced, out);
                }
                out.push('}');
            }
        }
    }

    fn repeats_a_key(g: &Gen) -> bool {
        match g {
            Gen::Arr(items) => items.iter().any(repeats_a_key),
            Gen::Obj(members) => {
                let mut keys: Vec<&String> = members.iter().map(|(k, _, _)| k).collect();
                keys.sort_unstable();
                keys.windows(2).any(|w| w[0] == w[1]) || members.iter().any(|(_, _, v)| repeats_a_key(v))
            }
            _ => false,
        }
    }

    fn text_of(g: &Gen, spaced: bool) -> String {
        let mut out = String::new();
        render(g, spaced, &mut out);
        out
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "0", "-0", "0.0", "-0.0", "1", "1.0", "1e0", "2", "3", "1.5", "0.5", "-1", "1e2", "1E2",
                "100", "2.5e-3", "0.1", "18446744073709551615", "18446744073709551616",
                "-9223372036854775808", "-9223372036854775809", "9007199254740993",
                "123456789012345678901234567890", "1.7976931348623157e308", "5e-324", "1e19",
            ])
            .prop_map(str::to_owned),
            1 => any::<i64>().prop_map(|n| n.to_string()),
            1 => any::<u64>().prop_map(|n| n.to_string()),
            1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:?}")),
        ]
    }

    fn string() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec!['a', 'b', 'c', '"', '\\', '\n', 'é', '😀', '\u{1}', '/']),
            0..5,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "c", "d", "é", "a\"b", "😀", ""]).prop_map(str::to_owned),
            1 => string(),
        ]
    }

    fn gen() -> impl Strategy<Value = Gen> {
        let leaf = prop_oneof![
            1 => Just(Gen::Null),
            1 => any::<bool>().prop_map(Gen::Bool),
            3 => number().prop_map(Gen::Num),
            2 => (string(), any::<bool>()).prop_map(|(s, e)| Gen::Str(s, e)),
        ];
        leaf.prop_recursive(4, 64, 20, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..20).prop_map(Gen::Arr),
                prop::collection::vec((key(), any::<bool>(), inner), 0..8).prop_map(Gen::Obj),
            ]
        })
    }

    fn schemas() -> Vec<Value> {
        vec![
            json!({"type": "object"}),
            json!({"type": ["array", "string", "null"]}),
            json!({"type": "integer"}),
            json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": ["integer", "array"], "items": {"type": "integer"}}),
            json!({"enum": [1, "a", null, [1, 2], {"a": 1, "b": [true]}, "é😀"]}),
            json!({"items": {"enum": [0, 1.0, "a", "a\"b", {"a": 0}, 18_446_744_073_709_551_615_u64]}}),
            json!({"const": {"a": [1, 2.0], "b": "x"}}),
            json!({"properties": {"a": {"const": 1}, "b": {"const": "a\"b"}}}),
            json!({
                "properties": {"a": {"type": "string"}, "b": {"minimum": 0}, "é": {"type": "array"}},
                "required": ["a"],
                "additionalProperties": {"type": "number"}
            }),
            json!({"properties": {"a": true, "b": true}, "additionalProperties": false}),
            json!({"required": ["a", "b", "c"]}),
            json!({"required": ["a", "b", "c", "d", "é"]}),
            json!({"items": {"anyOf": [{"type": "string", "pattern": "^[a-c]+$"}, {"type": "number", "multipleOf": 0.5}]}}),
            json!({"oneOf": [{"type": "array"}, {"items": {"type": "integer"}}, {"minItems": 3}]}),
            json!({"uniqueItems": true}),
            json!({"items": {"uniqueItems": true}}),
            json!({"propertyNames": {"pattern": "^[a-c]$", "maxLength": 1}}),
            json!({"propertyNames": {"enum": ["a", "b", "é"]}}),
            json!({
                "$defs": {"node": {
                    "maxProperties": 2,
                    "properties": {"a": {"$ref": "#/$defs/node"}},
                    "items": {"$ref": "#/$defs/node"},
                    "minLength": 1
                }},
                "$ref": "#/$defs/node"
            }),
            json!({"minProperties": 2, "maxProperties": 3}),
            json!({"minLength": 2, "maxLength": 3}),
            json!({"contains": {"const": 1}, "maxContains": 2}),
            json!({"items": {"minimum": -1, "maximum": 1e19, "exclusiveMaximum": 18_446_744_073_709_551_615_u64}}),
            json!({"items": {"multipleOf": 3, "exclusiveMinimum": -9_223_372_036_854_775_808_i64}}),
            json!({"not": {"type": "null"}, "unevaluatedProperties": {"type": "string"}, "properties": {"a": true}}),
            json!({"dependentRequired": {"a": ["b"]}, "patternProperties": {"^[a-b]": {"type": "integer"}}}),
            json!({
                "if": {"required": ["a"]},
                "then": {"properties": {"a": {"type": "object"}}},
                "else": {"type": "array", "prefixItems": [{"type": "string"}], "unevaluatedItems": false}
            }),
        ]
    }

    type Pair = (jsonschema::Validator, jsonschema::Validator<Tape>);

    fn compiled() -> &'static [Pair] {
        static COMPILED: OnceLock<Vec<Pair>> = OnceLock::new();
        COMPILED.get_or_init(|| {
            schemas()
                .iter()
                .map(|s| {
                    let plain = jsonschema::validator_for(s).unwrap();
                    let tape = jsonschema::options_for::<Tape>().build(s).unwrap();
                    (plain, tape)
                })
                .collect()
        })
    }

    type Report = Vec<(String, String, String, String, String)>;

    fn report<'i>(errors: impl Iterator<Item = jsonschema::ValidationError<'i>>) -> Report {
        errors
            .map(|e| {
                (
                    e.instance_path().as_str().to_owned(),
                    e.schema_path().as_str().to_owned(),
                    e.kind().keyword().to_owned(),
                    e.to_string(),
                    serde_json::to_string(e.instance().as_ref()).unwrap(),
                )
            })
            .collect()
    }

    /// Serialized, so that key order and number variants count.
    fn printed(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn the_tape_holds_what_serde_json_parses(g in gen(), spaced in any::<bool>()) {
            let text = text_of(&g, spaced);
            let value: Value = serde_json::from_str(&text).unwrap();
            let doc = Doc::parse(&text).unwrap();
            // Well-formed text takes the fast path, entry for entry what serde_json's gives.
            let fast = scan::parse(&text);
            prop_assert!(fast.is_some(), "the fast path gave up on {}", text);
            prop_assert_eq!(format!("{fast:?}"), format!("{:?}", Some(Doc::parse_with_serde(&text).unwrap().entries)));
            prop_assert_eq!(printed(&doc.to_value()), printed(&value));
            prop_assert_eq!(printed(&Doc::from_value(&value).to_value()), printed(&value));
            prop_assert!(doc.root().equals_value(&value));
            prop_assert!(doc.root().equals(Doc::from_value(&value).root()));
        }

        #[test]
        fn a_tape_grown_while_streaming_is_the_parsed_one(g in gen(), spaced in any::<bool>(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
            let text = text_of(&g, spaced);
            let parsed = Doc::parse(&text).unwrap();
            let schema = crate::schema::stream::StreamSchema::new(&json!({}), &ValidatorOptions::default()).unwrap();
            let mut check = std::sync::Arc::new(schema).check();
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(text.len() + 1)).filter(|&c| text.is_char_boundary(c)).collect();
            bounds.extend([0, text.len()]);
            bounds.sort_unstable();
            for w in bounds.windows(2) {
                check.feed(&text[w[0]..w[1]]);
            }
            // A top-level number is complete only once something follows it.
            check.feed(" ");
            match check.grown(|doc| format!("{:?}", doc.entries)) {
                Some(grown) => prop_assert_eq!(grown, format!("{:?}", parsed.entries)),
                // Declined only where a key repeats (left to the parser, which resolves it).
                None => prop_assert!(repeats_a_key(&g), "declined {}", text),
            }
        }

        #[test]
        fn validation_through_the_tape_is_validation_of_the_value(g in gen()) {
            let text = text_of(&g, false);
            let value: Value = serde_json::from_str(&text).unwrap();
            let parsed = Doc::parse(&text).unwrap();
            let laid_out = Doc::from_value(&value);
            for (i, (plain, tape)) in compiled().iter().enumerate() {
                let valid = plain.is_valid(&value);
                prop_assert_eq!(tape.is_valid(parsed.root()), valid, "schema {} on {}", i, text);
                prop_assert_eq!(tape.is_valid(laid_out.root()), valid, "schema {} on {}", i, text);
                let expected = report(plain.iter_errors(&value));
                prop_assert_eq!(&report(tape.iter_errors(parsed.root())), &expected, "schema {} on {}", i, text);
                prop_assert_eq!(&report(tape.iter_errors(laid_out.root())), &expected, "schema {} on {}", i, text);
            }
        }

        #[test]
        fn malformed_text_fails_as_serde_json_fails(
            g in gen(),
            spaced in any::<bool>(),
            cut in any::<prop::sample::Index>(),
            insert in prop::option::of((any::<prop::sample::Index>(), prop::sample::select(vec![
                '"', ',', ']', '}', '{', '[', ':', '\\', 'x', '1', ' ', '-', '.', 'e', '0',
            ]))),
        ) {
            let mut text = text_of(&g, spaced);
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            match insert {
                Some((at, c)) => text.insert(bounds[at.index(bounds.len())], c),
                None => text.truncate(bounds[cut.index(bounds.len())]),
            }
            let ours = Doc::parse(&text).map(|d| printed(&d.to_value())).map_err(|e| e.to_string());
            let theirs = serde_json::from_str::<Value>(&text).map(|v| printed(&v)).map_err(|e| e.to_string());
            prop_assert_eq!(&ours, &theirs);
            // The fast path never accepts what serde_json refuses.
            if let Some(fast) = scan::parse(&text) {
                let reference = Doc::parse_with_serde(&text).map(|d| format!("{:?}", d.entries));
                prop_assert_eq!(Ok(format!("{fast:?}")), reference.map_err(|e| e.to_string()));
            }
            if ours.is_err() {
                let validator = Validator::new(&json!({}), &ValidatorOptions::default()).unwrap();
                let ours = validator.validate_text(&text).unwrap_err();
                let theirs = crate::schema::parse_json(&text).unwrap_err();
                prop_assert_eq!(
                    (ours.code, ours.path, ours.message, ours.line, ours.column),
                    (theirs.code, theirs.path, theirs.message, theirs.line, theirs.column)
                );
            }
        }
    }

    /// Number texts: any digits, a point anywhere, any exponent, signs and spellings.
    fn number_text() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            "[1-9][0-9]{0,21}|0",
            prop::option::of("[0-9]{1,20}"),
            prop::option::of((
                prop::sample::select(vec!["e", "E"]),
                prop::sample::select(vec!["", "+", "-"]),
                0_u32..400,
            )),
        )
            .prop_map(|(negative, int, frac, exp)| {
                let mut n = String::from(if negative { "-" } else { "" });
                n.push_str(&int);
                if let Some(frac) = frac {
                    n.push('.');
                    n.push_str(&frac);
                }
                if let Some((e, sign, digits)) = exp {
                    n.push_str(&format!("{e}{sign}{digits}"));
                }
                n
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn numbers_read_as_serde_json_reads_them(n in number_text(), f in any::<f64>()) {
            let shortest = format!("{f:?}");
            let exponent = format!("{f:e}");
            for text in [n.as_str(), &format!("[{n}, 1]"), &shortest, &exponent] {
                let reference = Doc::parse_with_serde(text).map(|d| format!("{:?}", d.entries));
                match scan::parse(text) {
                    Some(fast) => prop_assert_eq!(Ok(format!("{fast:?}")), reference.map_err(|e| e.to_string())),
                    // Given up only where serde_json refuses (out of range, or not a number).
                    None => prop_assert!(reference.is_err() || !f.is_finite(), "gave up on {}", text),
                }
            }
        }
    }

    #[test]
    fn duplicate_keys_keep_the_first_place_and_the_last_value() {
        let text = r#"{"a": 1, "b": {"x": [1], "x": 2}, "a": {"c": 3}, "d": null}"#;
        let doc = Doc::parse(text).unwrap();
        assert_eq!(printed(&doc.to_value()), r#"{"a":{"c":3},"b":{"x":2},"d":null}"#);
        let root = doc.root().as_object().unwrap();
        assert_eq!(root.len(), 3);
        assert_eq!(root.members().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b", "d"]);
        assert!(root.get(&Tape::prepare_key("a")).unwrap().as_object().is_some());
        // Past the pairwise range, and with escaped spellings of one key.
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str(r#""k\u0037": "seven", "k39": true}"#);
        let doc = Doc::parse(&text).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(printed(&doc.to_value()), printed(&value));
        assert_eq!(doc.root().as_object().unwrap().len(), 40);
        let v = Validator::new(
            &json!({"maxProperties": 40, "properties": {"k7": {"type": "string"}}}),
            &ValidatorOptions::default(),
        )
        .unwrap();
        assert!(v.validate_text(&text).unwrap().valid);
    }

    #[test]
    fn strings_borrow_the_text_unless_escaped() {
        let doc = Doc::parse(r#"{"plain": "abc", "esc\n": "a\"b"}"#).unwrap();
        let kinds: Vec<bool> = doc
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::String(s) => Some(matches!(s, Cow::Borrowed(_))),
                _ => None,
            })
            .collect();
        assert_eq!(kinds, [true, true, false, false]);
    }

    #[test]
    fn nesting_stops_where_serde_json_stops() {
        for depth in [127, 128, 129] {
            let text = "[".repeat(depth) + &"]".repeat(depth);
            let ours = Doc::parse(&text).map(|d| d.to_value()).map_err(|e| e.to_string());
            assert_eq!(ours, serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()), "{depth}");
        }
        let deep = "[".repeat(129) + &"]".repeat(129);
        let ours = Doc::parse(&deep).unwrap_err().to_string();
        assert!(ours.starts_with("recursion limit exceeded"), "{ours}");
        assert!(Doc::parse(&"[".repeat(127)).unwrap_err().to_string().starts_with("EOF"));
        let huge = "{\"a\":".repeat(100_000);
        assert!(Doc::parse(&huge).is_err());
        assert!(Doc::parse("{} x").is_err());
        assert!(Doc::parse("").is_err());
    }

    #[test]
    fn a_deep_value_is_laid_out_without_recursion() {
        let mut value = json!(1);
        for _ in 0..5_000 {
            value = Value::Array(vec![value]);
        }
        let doc = Doc::from_value(&value);
        assert_eq!(doc.entries.len(), 5_001);
        let v = jsonschema::options_for::<Tape>().build(&json!({"type": "array", "maxItems": 1})).unwrap();
        assert!(v.is_valid(doc.root()));
    }

    #[test]
    fn unique_items_agree_with_json_equality() {
        let v = jsonschema::options_for::<Tape>().build(&json!({"uniqueItems": true})).unwrap();
        let check = |text: &str| {
            let doc = Doc::parse(text).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            let expected = jsonschema::validator_for(&json!({"uniqueItems": true})).unwrap().is_valid(&value);
            assert_eq!(v.is_valid(doc.root()), expected, "{text}");
            expected
        };
        let ints = (0..16).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(check(&format!("[{ints}]")));
        assert!(!check(&format!("[{ints},1.0]")));
        assert!(!check(&format!("[{ints},-0.0]")));
        assert!(!check(&format!("[{ints},{{\"a\":1,\"b\":[2]}},{{\"b\":[2.0],\"a\":1}}]")));
        assert!(check(&format!("[{ints},{{\"a\":1}},{{\"a\":1,\"b\":1}},\"1\",[1]]")));
        assert!(!check(r#"[{"a":1,"b":2},{"b":2,"a":1}]"#));
        assert!(check(r#"[9007199254740993, 9007199254740992]"#));
    }

    #[test]
    fn a_laid_out_value_lends_its_nodes_to_errors() {
        let value = json!({"a": [1, "x"], "b": {"c": null}});
        let doc = Doc::from_value(&value);
        let a = doc.root().as_object().unwrap().get(&Tape::prepare_key("a")).unwrap();
        assert!(matches!(a.to_value(), Cow::Borrowed(v) if std::ptr::eq(v, &value["a"])));
        let name = doc.root().as_object().unwrap().members().next().unwrap();
        assert_eq!(name.0, "a");
        // Parsed text has no value to lend: its nodes are built.
        let parsed = Doc::parse(r#"{"a": [1, "x"]}"#).unwrap();
        assert!(matches!(parsed.root().to_value(), Cow::Owned(_)));
        assert_eq!(parsed.root().to_value().into_owned(), json!({"a": [1, "x"]}));
    }

    #[test]
    fn nodes_have_stable_distinct_identities() {
        let doc = Doc::parse(r#"{"a": {"b": 1}}"#).unwrap();
        let root = doc.root();
        let child = root.as_object().unwrap().get(&Tape::prepare_key("a")).unwrap();
        assert_eq!(root.identity(), root.identity());
        assert_ne!(root.identity(), child.identity());
        let other = Doc::parse(r#"{"a": {"b": 1}}"#).unwrap();
        assert_ne!(root.identity(), other.root().identity());
    }

    #[test]
    fn name_nodes_reuse_one_buffer() {
        let mut buffer = Doc::default();
        let first = Tape::with_string_node(&mut buffer, "héllo", |n| {
            (n.as_string().unwrap().into_owned(), n.string_length())
        });
        assert_eq!(first, ("héllo".to_owned(), Some(5)));
        let second = Tape::with_string_node(&mut buffer, "x", |n| n.equals_value(&json!("x")));
        assert!(second);
        assert_eq!(buffer.entries.len(), 1);
    }

    #[test]
    fn string_lengths_count_code_points() {
        let doc = Doc::parse(r#"["", "ab", "héllo", "🦀🦀", "\u00e9"]"#).unwrap();
        let items: Vec<_> = doc.root().as_array().unwrap().elements().collect();
        let lengths: Vec<_> = items.iter().map(|n| n.string_length().unwrap()).collect();
        assert_eq!(lengths, [0, 2, 5, 2, 1]);
        assert_eq!(items[3].string_length_within(0, 2), Some(true));
        assert_eq!(items[3].string_length_within(3, 9), Some(false));
        assert_eq!(items[2].string_length_within(0, 4), Some(false));
        assert_eq!(items[2].string_length_within(5, 5), Some(true));
        assert_eq!(doc.root().string_length_within(0, 1), None);
    }
}
