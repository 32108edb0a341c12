//! The fast way from text to a tape: a tokenizer written for the arena.
//!
//! [`Doc::parse`](super::Doc::parse) tries this first. It reads what well-formed model output
//! holds (compact or indented JSON, escapes, surrogate pairs, numbers) the way serde_json
//! reads it, entry for entry, and gives up (`None`) on anything else: a syntax error,
//! trailing characters, a lone surrogate, nesting near serde_json's limit, a number out of
//! range. `Doc::parse` then runs serde_json's own tokenizer, whose result or error is the
//! reference, so the fast path never decides an error and never accepts what serde_json
//! refuses. The tape tests play both on generated and malformed text.
//!
//! Where the time goes otherwise: serde_json's `deserialize_any` drives a visitor per value
//! and parses strings through a scratch buffer; here a string without escapes is found with
//! eight bytes at a time and borrowed, and a number in the range where one rounding is
//! exact (Clinger's fast path) is computed in place.

use std::borrow::Cow;
use std::str::FromStr;

use serde_json::Number;

use super::{fingerprint, Bloom, Builder, Entry};
use crate::schema::plain_run;

/// serde_json stops at the 128th level; the fast path leaves anything close to it to serde_json.
const MAX_DEPTH: usize = 120;

/// Exact powers of ten as `f64` (10^22 is the largest one `f64` holds exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// An open container.
struct Open {
    header: u32,
    len: u32,
    object: bool,
    keys: Bloom,
}

struct Scanner<'src> {
    text: &'src str,
    pos: usize,
    builder: Builder<'src>,
}

/// The entries of `text`, or `None` where serde_json must decide.
pub(super) fn parse(text: &str) -> Option<Vec<Entry<'_>>> {
    let builder = Builder { entries: Vec::with_capacity(text.len() / 16 + 1) };
    let mut scanner = Scanner { text, pos: 0, builder };
    scanner.document()?;
    Some(scanner.builder.entries)
}

impl<'src> Scanner<'src> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips whitespace and reads the byte after it.
    #[inline]
    fn next_token(&mut self) -> Option<u8> {
        self.skip_space();
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    #[inline]
    fn push(&mut self, entry: Entry<'src>) -> Option<u32> {
        // Past the limit, serde_json's path reports the error.
        self.builder.push::<serde_json::Error>(entry).ok()
    }

    /// The whole text: one value, then whitespace only.
    fn document(&mut self) -> Option<()> {
        let mut stack: Vec<Open> = Vec::new();
        let mut b = self.next_token()?;
        loop {
            // A value starts with `b`.
            match b {
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return None;
                    }
                    let object = b == b'{';
                    let header = self.push(if object {
                        Entry::Object { len: 0, size: 1 }
                    } else {
                        Entry::Array { len: 0, size: 1 }
                    })?;
                    let close = if object { b'}' } else { b']' };
                    b = self.next_token()?;
                    if b == close {
                        self.builder.close(header, 0);
                    } else {
                        let mut open = Open { header, len: 0, object, keys: Bloom::default() };
                        if object {
                            self.key(b, &mut open)?;
                            b = self.next_token()?;
                        }
                        stack.push(open);
                        continue;
                    }
                }
                b'"' => {
                    let s = self.string()?;
                    self.push(Entry::String(s))?;
                }
                b'-' | b'0'..=b'9' => {
                    let n = self.number()?;
                    self.push(Entry::Number(n))?;
                }
                b't' => self.literal(b"rue", Entry::Bool(true))?,
                b'f' => self.literal(b"alse", Entry::Bool(false))?,
                b'n' => self.literal(b"ull", Entry::Null)?,
                _ => return None,
            }
            // A value ended: the containers it closes, then the next value's first byte.
            loop {
                let Some(top) = stack.last_mut() else {
                    self.skip_space();
                    return (self.pos == self.text.len()).then_some(());
                };
                top.len += 1;
                match self.next_token()? {
                    b',' => {
                        b = self.next_token()?;
                        if top.object {
                            // Split the borrow: the key is read with the frame out of the stack.
                            let mut open = stack.pop()?;
                            self.key(b, &mut open)?;
                            stack.push(open);
                            b = self.next_token()?;
                        }
                        break;
                    }
                    b'}' if top.object => {
                        let open = stack.pop()?;
                        self.close_object(&open);
                    }
                    b']' if !top.object => {
                        let open = stack.pop()?;
                        self.builder.close(open.header, open.len);
                    }
                    _ => return None,
                }
            }
        }
    }

    /// A member's key (its opening quote is `b`) and the colon after it.
    fn key(&mut self, b: u8, open: &mut Open) -> Option<()> {
        if b != b'"' {
            return None;
        }
        let key = self.string()?;
        open.keys.insert(fingerprint(&key));
        self.push(Entry::String(key))?;
        (self.next_token()? == b':').then_some(())
    }

    /// Ends an object as serde_json's map would: a repeated key keeps its first place and
    /// its last value.
    fn close_object(&mut self, open: &Open) {
        let mut len = open.len;
        if open.keys.collided && super::DocView(&self.builder.entries).keys_repeat(open.header, len) {
            len = self.builder.dedup(open.header, len);
        }
        self.builder.close(open.header, len);
    }

    fn literal(&mut self, rest: &[u8], entry: Entry<'src>) -> Option<()> {
        let end = self.pos + rest.len();
        if self.text.as_bytes().get(self.pos..end)? != rest {
            return None;
        }
        self.pos = end;
        self.push(entry).map(drop)
    }

    /// A string whose opening quote was read: borrowed from the text unless it has escapes.
    fn string(&mut self) -> Option<Cow<'src, str>> {
        let start = self.pos;
        let end = plain_run(self.text.as_bytes(), start);
        match self.text.as_bytes().get(end)? {
            b'"' => {
                self.pos = end + 1;
                self.text.get(start..end).map(Cow::Borrowed)
            }
            b'\\' => {
                let mut out = String::from(self.text.get(start..end)?);
                self.pos = end;
                self.escaped(&mut out)?;
                Some(Cow::Owned(out))
            }
            _ => None,
        }
    }

    /// The rest of a string with escapes, from a backslash, decoded into `out`.
    fn escaped(&mut self, out: &mut String) -> Option<()> {
        let bytes = self.text.as_bytes();
        loop {
            match *bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => {
                    let b = *bytes.get(self.pos + 1)?;
                    self.pos += 2;
                    if b == b'u' {
                        out.push(self.unicode_escape()?);
                    } else {
                        out.push(crate::schema::short_escape(b)?);
                    }
                }
                _ => {
                    let end = plain_run(bytes, self.pos);
                    if end == self.pos {
                        return None; // a control character
                    }
                    out.push_str(self.text.get(self.pos..end)?);
                    self.pos = end;
                }
            }
        }
    }

    /// The character of a `\u` escape whose four hex digits start here (a surrogate pair
    /// takes two escapes; a lone surrogate is left to serde_json).
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high);
        }
        if self.text.as_bytes().get(self.pos..self.pos + 2)? != b"\\u" {
            return None;
        }
        self.pos += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x1_0000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        digits.chars().try_fold(0, |n, c| Some(n * 16 + c.to_digit(16)?))
    }

    /// A number whose first byte was read; the value serde_json gives the same text.
    fn number(&mut self) -> Option<Number> {
        let (n, end) = number_at(self.text, self.pos - 1)?;
        self.pos = end;
        Some(n)
    }
}

/// A complete number token (nothing before or after it) as serde_json reads it, when it
/// is read here; `None` for one serde_json must read (or refuse).
pub(super) fn number(token: &str) -> Option<Number> {
    number_at(token, 0).and_then(|(n, end)| (end == token.len()).then_some(n))
}

/// The number starting at `start` of `text`, and where it ends (`None`: not a number
/// there, or one serde_json must read).
pub(super) fn number_at(text: &str, start: usize) -> Option<(Number, usize)> {
    let bytes = text.as_bytes();
    let negative = bytes.get(start) == Some(&b'-');
    let mut at = if negative { start + 1 } else { start };
    let digit = |at: usize| bytes.get(at).filter(|b| b.is_ascii_digit()).map(|b| u64::from(b - b'0'));
    let mut significand = 0_u64;
    let mut digits = 0_u32;
    // Integer part: `0` alone, or digits without a leading zero.
    match digit(at) {
        Some(0) => {
            at += 1;
            if digit(at).is_some() {
                return None;
            }
        }
        Some(_) => {
            while let Some(d) = digit(at) {
                significand = significand.wrapping_mul(10).wrapping_add(d);
                digits += 1;
                at += 1;
            }
        }
        None => return None,
    }
    let mut exponent = 0_i32;
    let mut integer = true;
    if bytes.get(at) == Some(&b'.') {
        integer = false;
        at += 1;
        let first = at;
        while let Some(d) = digit(at) {
            significand = significand.wrapping_mul(10).wrapping_add(d);
            digits += 1;
            exponent -= 1;
            at += 1;
        }
        if at == first {
            return None;
        }
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        integer = false;
        at += 1;
        let sign = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                -1
            }
            Some(b'+') => {
                at += 1;
                1
            }
            _ => 1,
        };
        let first = at;
        let mut e = 0_i32;
        while let Some(d) = digit(at) {
            e = e.saturating_mul(10).saturating_add(i32::try_from(d).ok()?);
            at += 1;
        }
        if at == first {
            return None;
        }
        exponent = exponent.saturating_add(sign * e);
    }
    // Up to 18 digits the significand is exact (no wrap above).
    if digits <= 18 {
        if integer {
            let n = if !negative {
                Number::from(significand)
            } else if significand == 0 {
                // serde_json reads `-0` as the float -0.0.
                Number::from_f64(-0.0)?
            } else {
                // Below 10^18: fits.
                Number::from(-i64::try_from(significand).ok()?)
            };
            return Some((n, at));
        }
        // One exact conversion and one correctly rounded operation: the correctly
        // rounded value, which serde_json computes too.
        if significand < 1 << 53 && exponent.unsigned_abs() <= 22 {
            let f = significand as f64;
            let power = POW10.get(exponent.unsigned_abs() as usize)?;
            let f = if exponent >= 0 { f * power } else { f / power };
            return Number::from_f64(if negative { -f } else { f }).map(|n| (n, at));
        }
    }
    // Long or far from 1: serde_json's own reading (which refuses what is out of range).
    Number::from_str(text.get(start..at)?).ok().map(|n| (n, at))
}
