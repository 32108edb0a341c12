//! A tape built while the text still arrives: the streaming check's tokenizer reads each
//! byte once, so it lays out the entries as it goes, and the final verdict checks them
//! without reading the text again.
//!
//! The tokenizer has checked the syntax, so nothing here parses. Strings that hold no
//! escape are recorded as spans of the text (which is still growing, so nothing can borrow
//! it yet) and borrowed when [`Grower::finish`] is handed the whole text; numbers are read
//! by the rules of the tape's own tokenizer (`scan.rs`), the same `serde_json::Number`s.
//! A repeated key is the one case left to [`Doc::parse`]: `finish` declines, and the caller
//! parses the text (which resolves repeats as `serde_json::Map` does).

use std::borrow::Cow;

use serde_json::Number;

use super::{fingerprint, scan, Bloom, Builder, Doc, DocView, Entry};

/// A string value or key as the tokenizer read it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece<'a> {
    /// No escapes: the text's bytes `start..end`, borrowed at the end.
    Span(usize, usize),
    /// With escapes: decoded.
    Decoded(&'a str),
}

/// An open container, kept by the caller on its own stack (one stack for the tokenizer's
/// frames and the tape's containers).
#[derive(Debug, Default)]
pub(crate) struct Open {
    header: u32,
    keys: Bloom,
}

/// The entries of a text being read; see the module notes.
pub(crate) struct Grower {
    builder: Builder<'static>,
    /// `(entry, start, end)` of the strings that borrow the text.
    spans: Vec<(u32, u32, u32)>,
    /// Containers open.
    depth: usize,
    /// Objects where two keys may be equal (their header and member count).
    suspects: Vec<(u32, u32)>,
    /// False once the tape cannot be finished (past the entry limit, or a span past 4 GB).
    whole: bool,
}

impl std::fmt::Debug for Grower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grower").field("entries", &self.builder.entries.len()).finish_non_exhaustive()
    }
}

impl Grower {
    /// A grower for a text of about `size` bytes (model output runs about 7 bytes an
    /// entry, half of them strings).
    pub fn with_capacity(size: usize) -> Self {
        Self {
            builder: Builder { entries: Vec::with_capacity(size / 6) },
            spans: Vec::with_capacity(size / 12),
            depth: 0,
            suspects: Vec::new(),
            whole: true,
        }
    }

    #[inline]
    fn push(&mut self, entry: Entry<'static>) -> u32 {
        if let Ok(index) = self.builder.push::<serde_json::Error>(entry) {
            return index;
        }
        self.whole = false;
        0
    }

    #[inline(always)]
    fn piece(&mut self, piece: Piece<'_>) {
        match piece {
            Piece::Span(start, end) => {
                let index = self.push(Entry::String(Cow::Borrowed("")));
                match (u32::try_from(start), u32::try_from(end)) {
                    (Ok(start), Ok(end)) => self.spans.push((index, start, end)),
                    _ => self.whole = false,
                }
            }
            Piece::Decoded(s) => self.decoded(s),
        }
    }

    #[inline(never)]
    fn decoded(&mut self, s: &str) {
        self.push(Entry::String(Cow::Owned(s.to_owned())));
    }

    /// `null`, `true` or `false`.
    #[inline]
    pub fn literal(&mut self, value: Option<bool>) {
        self.push(value.map_or(Entry::Null, Entry::Bool));
    }

    #[inline]
    pub fn number(&mut self, n: Number) {
        self.push(Entry::Number(n));
    }

    #[inline]
    pub fn string(&mut self, piece: Piece<'_>) {
        self.piece(piece);
    }

    /// A key of the object `open` (`text`: its decoded content, for the repeat filter).
    #[inline]
    pub fn key(&mut self, open: &mut Open, piece: Piece<'_>, text: &str) {
        self.piece(piece);
        open.keys.insert(fingerprint(text));
    }

    /// A container starts: its state, for [`Self::key`] and [`Self::close`].
    #[inline]
    pub fn open(&mut self, object: bool) -> Open {
        let header = self.push(if object {
            Entry::Object { len: 0, size: 1 }
        } else {
            Entry::Array { len: 0, size: 1 }
        });
        self.depth += 1;
        Open { header, keys: Bloom::default() }
    }

    /// The innermost container, `open`, closes with `len` members or items (the tokenizer
    /// counts them).
    #[inline]
    pub fn close(&mut self, open: &Open, len: usize) {
        self.depth = self.depth.saturating_sub(1);
        let Ok(len) = u32::try_from(len) else {
            self.whole = false;
            return;
        };
        if open.keys.collided {
            self.suspects.push((open.header, len));
        }
        self.builder.close(open.header, len);
    }

    /// The document, its strings borrowed from `text` (the whole text read); `None` when
    /// the value is not complete, or holds a repeated key (left to [`Doc::parse`]).
    pub fn finish(self, text: &str) -> Option<Doc<'_>> {
        if !self.whole || self.depth > 0 || self.builder.entries.is_empty() {
            return None;
        }
        let mut entries: Vec<Entry<'_>> = self.builder.entries;
        for (index, start, end) in self.spans {
            let s = text.get(start as usize..end as usize)?;
            let slot = entries.get_mut(index as usize)?;
            // The slot holds the placeholder `piece` pushed, which owns nothing: skip its drop.
            std::mem::forget(std::mem::replace(slot, Entry::String(Cow::Borrowed(s))));
        }
        let view = DocView(&entries);
        if self.suspects.iter().any(|&(header, len)| view.keys_repeat(header, len)) {
            return None;
        }
        Some(Doc { entries, values: Vec::new() })
    }
}

/// The number a complete number token reads as (`serde_json::Value`'s), or serde_json's
/// error for one out of range.
pub(crate) fn number(token: &str) -> Result<Number, serde_json::Error> {
    match scan::number(token) {
        Some(n) => Ok(n),
        None => serde_json::from_str::<Number>(token),
    }
}

/// The number starting at `start` of `text`, where the tape's tokenizer reads one (see
/// `scan.rs`), and where it ends: no byte there could continue it.
#[inline]
pub(crate) fn number_at(text: &str, start: usize) -> Option<(Number, usize)> {
    scan::number_at(text, start)
}
