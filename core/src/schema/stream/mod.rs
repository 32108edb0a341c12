//! Streaming check: is this prefix of the model's output still able to become valid?
//!
//! Feed the output chunk by chunk ([`StreamCheck::feed`]); the check answers `dead` as
//! soon as no continuation of the text can match the schema, so the host can cancel the
//! generation and save the tokens, and `syntax_error` as soon as the text can never be
//! JSON (serde_json's own error: message, line and column). [`StreamCheck::partial`] gives
//! the value so far for progressive display, and [`StreamCheck::finish`] is
//! [`Validator::validate_text`] on the whole text: the same verdict by construction.
//!
//! # Cost
//!
//! A push tokenizer reads each byte once (no re-scan of the prefix per chunk) and runs the
//! early checks on events (a value starts, a key or a scalar ends, a container closes): in
//! the common case one string comparison per key (keys come in schema order) and a mask
//! test per value. It builds no value: strings are kept only where the schema compares them
//! (`enum`, `const`, lengths, keys), numbers are converted only where integer-ness or range
//! matters. The text is appended to one buffer, which [`StreamCheck::finish`] hands to the
//! validator's zero-copy parser ([`super::tape`]): cheaper than building a
//! `serde_json::Value` on the way, and exact. Strings are checked as they grow only where
//! the schema constrains them, once per chunk. [`StreamCheck::partial`] reads the text so
//! far, on demand only.
//!
//! Measured by `stream::tests::cost` (2 MB of objects with `enum`, `anyOf`, `maxLength`,
//! `additionalProperties: false`; instructions counted under callgrind): 0.93x a
//! `parse_json` + [`Validator::validate`] of the same text fed whole, 1.03x in 16-byte
//! chunks, 1.31x in 4-byte chunks (a token at a time); 2.6x, 2.9x and 3.7x of
//! [`Validator::validate_text`], whose own cost it includes.
//!
//! # Checked early, and checked at the end
//!
//! | checked as the text arrives | checked by [`StreamCheck::finish`] only |
//! | --- | --- |
//! | `type` (integer-ness when the number ends) | `minimum`, `maximum`, `multipleOf` |
//! | `enum` and `const` on strings (a prefix no allowed value starts with), booleans, null, and the kinds of other values | `enum`/`const` of numbers, arrays, objects |
//! | `properties` and `additionalProperties` (`false`: an unknown key, even half read; a schema) | `patternProperties` (and with it `additionalProperties`), `propertyNames` |
//! | `required` when the object closes | `minProperties`, `maxProperties`, `dependent*` |
//! | `items`, `prefixItems` (`items` arrays and `additionalItems` before 2020-12), `maxItems`, `minItems` when the array closes | `contains`, `uniqueItems`, `unevaluated*` |
//! | `minLength`, `maxLength` | `pattern`, `format`, `content*` |
//! | `allOf`, `anyOf`, `oneOf` (as `anyOf`: a set of live branches), local `$ref` | `not`, `if`/`then`/`else`, `$dynamicRef`, `oneOf` matching twice |
//!
//! The early checks are a sound subset: a prefix is declared dead only when every
//! completion fails one of them, and every completion failing them fails the validator.
//! One assumption: **keys are not repeated**. serde_json keeps the last of a repeated key,
//! so `{"a": 1, "a": "x"}` may be valid where `{"a": 1` was declared dead for `a`'s type;
//! RFC 8259 asks for unique names and Structured Outputs never repeat one. The final
//! verdict ([`StreamCheck::finish`]) is exact in every case.

mod check;
mod shape;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use self::check::{Cause, Checker, Detail};
use self::shape::{Sel, Shape, F_NUMBER, F_STRING, K_ARR, K_BOOL, K_NULL, K_NUM, K_OBJ, K_STR};
use super::pointer;
use super::validate::{Validation, Validator, ValidatorOptions, Violation, ViolationCode};
use crate::error::{Error, ErrorCode, Result};

/// A schema compiled for streaming: the validator for the end, the early checks for the way.
#[derive(Debug)]
pub struct StreamSchema {
    validator: Validator,
    shape: Shape,
}

impl StreamSchema {
    /// Compiles `schema`.
    ///
    /// # Errors
    /// As [`Validator::new`].
    pub fn new(schema: &Value, options: &ValidatorOptions) -> Result<Self> {
        let validator = Validator::new(schema, options)?;
        Ok(Self { validator, shape: shape::compile(schema, options) })
    }

    /// The validator [`StreamCheck::finish`] uses.
    #[must_use]
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// A check of one streamed output.
    #[must_use]
    pub fn check(self: &Arc<Self>) -> StreamCheck {
        StreamCheck::new(Arc::clone(self))
    }
}

/// Where a streamed output stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StreamState {
    /// Every prefix so far can still become valid (as far as the early checks see).
    Open,
    /// No continuation can be valid: cancel the generation.
    Dead {
        /// The first refusal found (its schema path is the keyword's place in the schema
        /// document; the validator's own report comes from [`StreamCheck::finish`]).
        violation: Violation,
        /// Bytes fed when the prefix was known dead: `text[..offset]` cannot become valid.
        offset: usize,
    },
    /// The text can never be JSON (the error [`StreamCheck::finish`] returns).
    SyntaxError {
        /// `syntax_error` (or `limit_exceeded` past 127 levels) with line and column. Named
        /// `parse_error` in the serialized state (an `error` key is how a failed call reads).
        #[serde(rename = "parse_error")]
        error: Error,
        /// Bytes fed when the text was known broken: `text[..offset]` is no JSON prefix.
        offset: usize,
    },
}

impl StreamState {
    /// Whether the output can still be valid.
    #[must_use]
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open)
    }
}

/// What the tokenizer expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The top-level value.
    Start,
    /// After `[`: an item or `]`.
    ArrayFirst,
    /// After `,` in an array: an item.
    ArrayNext,
    /// After `{`: a key or `}`.
    ObjFirst,
    /// After `,` in an object: a key.
    ObjNext,
    Colon,
    /// After `:`: the value.
    ObjValue,
    /// After a value: `,` or the closer (at the top level, whitespace only).
    After,
    Str,
    Num,
    Lit,
    Failed,
}

/// Where a number's grammar is (serde_json's, error for error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

/// Where an escape in a string is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Esc {
    None,
    Backslash,
    /// Reading the 4 bytes of `\u` (`high`: this is the low half of a surrogate pair).
    Hex {
        n: u16,
        count: u8,
        bad: bool,
        high: Option<u16>,
    },
    /// After a high surrogate: `\` must follow.
    AfterHigh(u16),
    /// After a high surrogate and `\`: `u` must follow.
    AfterHighSlash(u16),
}

/// An open container. Frames are kept when they close, so that a key's buffer is reused
/// by the next container at the same depth.
#[derive(Debug, Default)]
struct Frame {
    object: bool,
    /// Items read so far (the index of the one being read), in an array.
    len: usize,
    /// The key whose value is being read, in an object.
    key: String,
    /// Every key read, kept only when `required` cannot be checked by position.
    keys: Vec<String>,
    collect_keys: bool,
}

/// serde_json's nesting limit: the 128th level is refused.
const MAX_NESTING: usize = 128;

/// Bytes that end a run of plain string content.
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Characters of a string quoted in a report.
const QUOTE_LIMIT: usize = 80;

/// The check of one streamed output.
#[derive(Debug)]
pub struct StreamCheck {
    schema: Arc<StreamSchema>,
    checker: Checker,
    mode: Mode,
    /// The text fed so far: the validator reads it at the end.
    text: String,
    frames: Vec<Frame>,
    /// Open containers (`frames[..depth]`).
    depth: usize,
    /// The string being read, decoded, when it is a key or its value is checked.
    buf: String,
    /// Whether the string being read is kept in `buf`.
    collect: bool,
    key: bool,
    /// Whether the string is checked as it grows.
    watch: bool,
    /// For a watched value string: whether an `enum` holds strings, the smallest `maxLength`.
    watch_enum: bool,
    watch_max: u64,
    esc: Esc,
    /// Characters counted in `buf[..counted]` (for `maxLength` as the string grows).
    chars: u64,
    counted: usize,
    num: String,
    num_state: Num,
    num_start: usize,
    lit: &'static [u8],
    /// Bytes fed before the current chunk (all of them between calls).
    fed: usize,
    /// Newlines read, and the offset after the last one.
    line: usize,
    line_start: usize,
    state: StreamState,
    error: Option<Error>,
}

impl StreamCheck {
    /// A check of one output against `schema`.
    #[must_use]
    pub fn new(schema: Arc<StreamSchema>) -> Self {
        let checker = Checker::new(&schema.shape);
        let mut check = Self {
            schema,
            checker,
            mode: Mode::Start,
            text: String::new(),
            frames: Vec::new(),
            depth: 0,
            buf: String::new(),
            collect: false,
            key: false,
            watch: false,
            watch_enum: false,
            watch_max: u64::MAX,
            esc: Esc::None,
            chars: 0,
            counted: 0,
            num: String::new(),
            num_state: Num::Int,
            num_start: 0,
            lit: b"",
            fed: 0,
            line: 0,
            line_start: 0,
            state: StreamState::Open,
            error: None,
        };
        check.report_death(0);
        check
    }

    /// Reads the next chunk; the state after it. Once `dead` or `syntax_error`, the state
    /// stays (the text is still read, for [`Self::partial`] and [`Self::finish`]).
    pub fn feed(&mut self, chunk: &str) -> &StreamState {
        self.text.push_str(chunk);
        if self.mode != Mode::Failed {
            self.run(chunk);
        }
        self.fed += chunk.len();
        &self.state
    }

    /// The state so far.
    #[must_use]
    pub fn state(&self) -> &StreamState {
        &self.state
    }

    /// The syntax error found so far, if any, even once the state is `dead` (the state
    /// keeps its first verdict).
    #[must_use]
    pub fn syntax_error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Bytes fed so far.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.fed
    }

    /// Whether the top-level value has ended (only whitespace may follow).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.mode == Mode::After && self.depth == 0
    }

    /// The value so far, closed at the last complete value (as [`super::tolerant::repair`]
    /// closes a truncated text): open containers are closed with their complete members and
    /// items; the string, number or literal being read and a key without its value are left
    /// out. `None` before anything is complete (a top-level number is complete only once
    /// something follows it), or once the text is broken. Reads the text so far: call it at
    /// the pace of a display, not per chunk.
    #[must_use]
    pub fn partial(&self) -> Option<Value> {
        let started = self.depth > 0 || self.mode == Mode::After;
        if self.mode == Mode::Failed || !started {
            return None;
        }
        super::tolerant::repair(&self.text).ok().map(|r| r.value)
    }

    /// Ends the output: [`Validator::validate_text`] on the whole text (the text is kept as
    /// it is fed, and the validator's own parser is the cheapest way to the final verdict).
    ///
    /// # Errors
    /// As [`Validator::validate_text`]: `syntax_error` with line, column and serde_json's
    /// message (the error a `syntax_error` state carries, or one at the end of the text);
    /// `limit_exceeded` past 127 levels of nesting.
    pub fn finish(self) -> Result<Validation> {
        self.schema.validator.validate_text(&self.text)
    }

    fn top(&self) -> Option<&Frame> {
        self.depth.checked_sub(1).and_then(|d| self.frames.get(d))
    }

    // ---- tokenizer ----------------------------------------------------------------------

    fn run(&mut self, chunk: &str) {
        let bytes = chunk.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match self.mode {
                Mode::Str => {
                    i = self.string(chunk, i);
                    continue;
                }
                Mode::Num => {
                    i = self.number(bytes, i);
                    continue;
                }
                Mode::Lit => {
                    i = self.literal(bytes, i);
                    continue;
                }
                Mode::Failed => return,
                _ => {}
            }
            match b {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.newline(i),
                _ => self.structural(b, i),
            }
            i += 1;
        }
        if self.mode == Mode::Str && self.watch {
            self.progress(self.fed + bytes.len());
        }
    }

    fn newline(&mut self, i: usize) {
        self.line += 1;
        self.line_start = self.fed + i + 1;
    }

    /// Fails at the byte `b` at `i` (consumed): serde_json reports the position after it.
    fn fail_after(&mut self, i: usize, b: u8, message: &str) {
        if b == b'\n' {
            self.newline(i);
        }
        self.fail_at(self.fed + i + 1, ErrorCode::Syntax, message);
    }

    fn fail_at(&mut self, at: usize, code: ErrorCode, message: &str) {
        let error = Error::new(code, "", message).at(self.line + 1, at.saturating_sub(self.line_start));
        if self.state.is_open() {
            self.state = StreamState::SyntaxError { error: error.clone(), offset: at };
        }
        self.error = Some(error);
        self.mode = Mode::Failed;
    }

    fn structural(&mut self, b: u8, i: usize) {
        match self.mode {
            Mode::Start | Mode::ObjValue => self.value(b, i),
            Mode::ArrayFirst if b == b']' => self.close(i),
            Mode::ArrayNext if b == b']' => self.fail_after(i, b, "trailing comma"),
            Mode::ArrayFirst | Mode::ArrayNext => {
                self.item(i);
                if self.mode != Mode::Failed {
                    self.value(b, i);
                }
            }
            Mode::ObjFirst | Mode::ObjNext => match b {
                b'"' => self.start_string(true),
                b'}' if self.mode == Mode::ObjFirst => self.close(i),
                b'}' => self.fail_after(i, b, "trailing comma"),
                _ => self.fail_after(i, b, "key must be a string"),
            },
            Mode::Colon => {
                if b == b':' {
                    self.mode = Mode::ObjValue;
                } else {
                    self.fail_after(i, b, "expected `:`");
                }
            }
            Mode::After => match (self.top().map(|f| f.object), b) {
                (None, _) => self.fail_after(i, b, "trailing characters"),
                (Some(false), b',') => self.mode = Mode::ArrayNext,
                (Some(false), b']') | (Some(true), b'}') => self.close(i),
                (Some(false), _) => self.fail_after(i, b, "expected `,` or `]`"),
                (Some(true), b',') => self.mode = Mode::ObjNext,
                (Some(true), _) => self.fail_after(i, b, "expected `,` or `}`"),
            },
            Mode::Str | Mode::Num | Mode::Lit | Mode::Failed => {}
        }
    }

    /// A value starts with `b` at `i`, at depth `depth`.
    fn value(&mut self, b: u8, i: usize) {
        let d = self.depth;
        let shape = &self.schema.shape;
        match b {
            b'{' | b'[' => {
                if d + 1 >= MAX_NESTING {
                    self.fail_at(self.fed + i + 1, ErrorCode::LimitExceeded, "recursion limit exceeded");
                    return;
                }
                let object = b == b'{';
                self.checker.kind(shape, d, if object { K_OBJ } else { K_ARR });
                let collect_keys = object && self.checker.needs_key_names(shape, d);
                self.report_death(self.fed + i + 1);
                if self.frames.len() <= d {
                    self.frames.push(Frame::default());
                }
                if let Some(frame) = self.frames.get_mut(d) {
                    frame.object = object;
                    frame.len = 0;
                    frame.key.clear();
                    frame.keys.clear();
                    frame.collect_keys = collect_keys;
                }
                self.depth = d + 1;
                self.mode = if object { Mode::ObjFirst } else { Mode::ArrayFirst };
            }
            b'"' => {
                self.checker.kind(shape, d, K_STR);
                self.report_death(self.fed + i + 1);
                self.start_string(false);
            }
            b'-' | b'0'..=b'9' => {
                self.checker.kind(shape, d, K_NUM);
                self.report_death(self.fed + i + 1);
                self.num.clear();
                self.num.push(char::from(b));
                self.num_state = match b {
                    b'-' => Num::Minus,
                    b'0' => Num::Zero,
                    _ => Num::Int,
                };
                self.num_start = self.fed + i;
                self.mode = Mode::Num;
            }
            b't' | b'f' | b'n' => {
                // The first letter decides the value: anything else is a syntax error.
                let (rest, value): (&'static [u8], Value) = match b {
                    b't' => (b"rue", Value::Bool(true)),
                    b'f' => (b"alse", Value::Bool(false)),
                    _ => (b"ull", Value::Null),
                };
                self.checker.kind(shape, d, if value.is_null() { K_NULL } else { K_BOOL });
                self.checker.literal(shape, d, &value);
                self.report_death(self.fed + i + 1);
                self.lit = rest;
                self.mode = Mode::Lit;
            }
            _ => self.fail_after(i, b, "expected value"),
        }
    }

    /// An item starts in the array on top.
    fn item(&mut self, i: usize) {
        let d = self.depth.saturating_sub(1);
        let index = self.top().map_or(0, |f| f.len);
        self.checker.item(&self.schema.shape, d, index);
        self.report_death(self.fed + i + 1);
    }

    fn close(&mut self, i: usize) {
        let d = self.depth.saturating_sub(1);
        let shape = &self.schema.shape;
        if let Some(frame) = self.frames.get(d) {
            if frame.object {
                self.checker.close_object(shape, d, |k| frame.keys.iter().any(|seen| seen == k));
            } else {
                self.checker.close_array(shape, d, frame.len);
            }
        }
        self.report_death(self.fed + i + 1);
        self.depth = d;
        self.attach();
    }

    /// A value ended: count it in its array.
    fn attach(&mut self) {
        if let Some(frame) = self.depth.checked_sub(1).and_then(|d| self.frames.get_mut(d)) {
            frame.len += 1;
        }
        self.mode = Mode::After;
    }

    fn start_string(&mut self, key: bool) {
        self.mode = Mode::Str;
        self.key = key;
        self.buf.clear();
        self.esc = Esc::None;
        self.chars = 0;
        self.counted = 0;
        let d = self.depth;
        let shape = &self.schema.shape;
        if key {
            self.watch = self.checker.watches_keys(shape, d.saturating_sub(1));
            self.collect = true;
        } else {
            let watch = self.checker.watches_string(shape, d);
            self.watch = watch.is_some();
            (self.watch_enum, self.watch_max) = watch.unwrap_or((false, u64::MAX));
            self.collect = self.checker.wants(d, F_STRING);
        }
    }

    /// Reads string content from `i`; returns where it stopped (after the closing quote,
    /// or the chunk's end).
    fn string(&mut self, chunk: &str, mut i: usize) -> usize {
        let bytes = chunk.as_bytes();
        loop {
            if self.esc != Esc::None {
                i = self.escape(bytes, i);
                if self.esc != Esc::None || self.mode == Mode::Failed {
                    return bytes.len();
                }
            }
            let start = i;
            while bytes.get(i).is_some_and(|&b| !STRING_STOP[usize::from(b)]) {
                i += 1;
            }
            let Some(&b) = bytes.get(i) else {
                if self.collect {
                    self.buf.push_str(chunk.get(start..).unwrap_or_default());
                }
                return i;
            };
            match b {
                b'"' => {
                    let run = chunk.get(start..i).unwrap_or_default();
                    if self.collect && !self.buf.is_empty() {
                        self.buf.push_str(run);
                        let text = std::mem::take(&mut self.buf);
                        self.end_string(&text, i);
                        self.buf = text;
                    } else {
                        // The whole string is in this chunk: read in place, no copy.
                        self.end_string(run, i);
                    }
                    return i + 1;
                }
                b'\\' => {
                    if self.collect {
                        self.buf.push_str(chunk.get(start..i).unwrap_or_default());
                    }
                    self.esc = Esc::Backslash;
                    i += 1;
                }
                _ => {
                    self.fail_after(i, b, "control character (\\u0000-\\u001F) found while parsing a string");
                    return bytes.len();
                }
            }
        }
    }

    /// Reads escape bytes from `i` until the escape ends or the chunk does.
    fn escape(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while self.esc != Esc::None {
            let Some(&b) = bytes.get(i) else { return i };
            match self.esc {
                Esc::Backslash => {
                    if b == b'u' {
                        self.esc = Esc::Hex { n: 0, count: 0, bad: false, high: None };
                        i += 1;
                        continue;
                    }
                    let Some(c) = super::short_escape(b) else {
                        self.fail_after(i, b, "invalid escape");
                        return i + 1;
                    };
                    if self.collect {
                        self.buf.push(c);
                    }
                    self.esc = Esc::None;
                    i += 1;
                }
                Esc::Hex { n, count, bad, high } => {
                    if b == b'\n' {
                        self.newline(i);
                    }
                    let digit = char::from(b).to_digit(16);
                    #[allow(clippy::cast_possible_truncation)]
                    let n = n.wrapping_mul(16).wrapping_add(digit.unwrap_or(0) as u16);
                    let bad = bad || digit.is_none();
                    i += 1;
                    if count < 3 {
                        self.esc = Esc::Hex { n, count: count + 1, bad, high };
                        continue;
                    }
                    let at = self.fed + i;
                    if bad {
                        self.fail_at(at, ErrorCode::Syntax, "invalid escape");
                        return i;
                    }
                    match (high, n) {
                        (None, 0xDC00..=0xDFFF) | (Some(_), 0..=0xDBFF | 0xE000..) => {
                            self.fail_at(at, ErrorCode::Syntax, "lone leading surrogate in hex escape");
                            return i;
                        }
                        (None, 0xD800..=0xDBFF) => self.esc = Esc::AfterHigh(n),
                        (None, _) => {
                            if self.collect {
                                self.buf.push(char::from_u32(u32::from(n)).unwrap_or('\u{FFFD}'));
                            }
                            self.esc = Esc::None;
                        }
                        (Some(h), low) => {
                            let c = 0x1_0000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                            if self.collect {
                                self.buf.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            }
                            self.esc = Esc::None;
                        }
                    }
                }
                Esc::AfterHigh(h) => {
                    if b != b'\\' {
                        self.fail_after(i, b, "unexpected end of hex escape");
                        return i + 1;
                    }
                    self.esc = Esc::AfterHighSlash(h);
                    i += 1;
                }
                Esc::AfterHighSlash(h) => {
                    if b != b'u' {
                        self.fail_after(i, b, "unexpected end of hex escape");
                        return i + 1;
                    }
                    self.esc = Esc::Hex { n: 0, count: 0, bad: false, high: Some(h) };
                    i += 1;
                }
                Esc::None => {}
            }
        }
        i
    }

    /// The string being read grew (the chunk ended): check its prefix.
    fn progress(&mut self, offset: usize) {
        let shape = &self.schema.shape;
        let d = self.depth;
        if self.key {
            self.checker.key_prefix(shape, d.saturating_sub(1), &self.buf);
        } else {
            if self.watch_max < u64::MAX {
                let added = self.buf.get(self.counted..).unwrap_or_default().chars().count();
                self.chars += added as u64;
                self.counted = self.buf.len();
            }
            if !self.watch_enum && self.chars <= self.watch_max {
                return;
            }
            self.checker.string_prefix(shape, d, &self.buf, self.chars);
        }
        self.report_death(offset);
    }

    fn end_string(&mut self, text: &str, i: usize) {
        let shape = &self.schema.shape;
        let d = self.depth;
        if self.key {
            let od = d.saturating_sub(1);
            if let Some(frame) = self.frames.get_mut(od) {
                frame.key.clear();
                frame.key.push_str(text);
                if frame.collect_keys {
                    frame.keys.push(text.to_owned());
                }
            }
            self.checker.open_child(shape, od, Sel::Key(text));
            self.report_death(self.fed + i + 1);
            self.mode = Mode::Colon;
        } else {
            if self.collect {
                self.checker.string_end(shape, d, text, || text.chars().count() as u64);
                self.report_death(self.fed + i + 1);
            }
            self.attach();
        }
    }

    /// Reads number bytes from `i`; at the first byte that ends it, ends the number and
    /// returns that byte's index (it is read next as structure).
    fn number(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while let Some(&b) = bytes.get(i) {
            let digit = b.is_ascii_digit();
            let next = match (self.num_state, b) {
                (Num::Minus, b'0') => Num::Zero,
                (Num::Minus | Num::Int, _) if digit => Num::Int,
                (Num::Zero, _) if digit => {
                    self.fail_after(i, b, "invalid number");
                    return bytes.len();
                }
                (Num::Zero | Num::Int, b'.') => Num::Dot,
                (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::Exp,
                (Num::Dot | Num::Frac, _) if digit => Num::Frac,
                (Num::Exp, b'+' | b'-') => Num::ExpSign,
                (Num::Exp | Num::ExpSign | Num::ExpDigits, _) if digit => Num::ExpDigits,
                (Num::Minus | Num::Dot | Num::Exp | Num::ExpSign, _) => {
                    self.fail_after(i, b, "invalid number");
                    return bytes.len();
                }
                (Num::Zero | Num::Int | Num::Frac | Num::ExpDigits, _) => {
                    self.end_number(self.fed + i + 1);
                    return if self.mode == Mode::Failed { bytes.len() } else { i };
                }
            };
            self.num.push(char::from(b));
            self.num_state = next;
            i += 1;
        }
        i
    }

    /// The number in `num` ended (`offset`: bytes read when that was known). Its value is
    /// read only when it matters: for an integer-only schema, or when it may be out of range
    /// (an exponent, or more digits than any `f64` needs).
    fn end_number(&mut self, offset: usize) {
        let d = self.depth;
        let exponent = self.num.bytes().any(|b| b == b'e' || b == b'E');
        let integer_only = self.checker.wants(d, F_NUMBER);
        if exponent || self.num.len() > 300 || (integer_only && self.num.contains('.')) {
            match serde_json::from_str::<Value>(&self.num) {
                Ok(value) => {
                    if integer_only {
                        self.checker.number(&self.schema.shape, d, &value);
                        self.report_death(offset);
                    }
                }
                Err(e) => {
                    // Out of range: serde_json's message and position, within the number.
                    let message = e.to_string();
                    let message = message.split(" at line ").next().unwrap_or_default().to_owned();
                    self.fail_at(self.num_start + e.column(), ErrorCode::Syntax, &message);
                    return;
                }
            }
        }
        self.attach();
    }

    fn literal(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while let Some(&b) = bytes.get(i) {
            let Some((&want, rest)) = self.lit.split_first() else { break };
            if b != want {
                self.fail_after(i, b, "expected ident");
                return bytes.len();
            }
            self.lit = rest;
            i += 1;
            if rest.is_empty() {
                self.attach();
                return i;
            }
        }
        i
    }

    // ---- reports ------------------------------------------------------------------------

    /// Turns a death the checker found into the `dead` state.
    #[inline]
    fn report_death(&mut self, offset: usize) {
        if self.checker.has_death() {
            self.report(offset);
        }
    }

    #[cold]
    fn report(&mut self, offset: usize) {
        let Some(cause) = self.checker.take_death() else { return };
        if self.state.is_open() {
            let violation = self.violation(&cause);
            self.state = StreamState::Dead { violation, offset };
        }
    }

    fn violation(&self, cause: &Cause) -> Violation {
        let mut instance_path = String::new();
        for frame in self.frames.iter().take(cause.depth.min(self.depth)) {
            if frame.object {
                pointer::push(&mut instance_path, &frame.key);
            } else {
                pointer::push_index(&mut instance_path, frame.len);
            }
        }
        let leaf = self.schema.shape.leaves.get(cause.leaf as usize);
        let at = leaf.map_or("", |l| l.pointer.as_str());
        // The `false` schema is refused where it stands, not at a keyword.
        let schema_path = if cause.code == ViolationCode::FalseSchema {
            at.to_owned()
        } else {
            pointer::child(at, cause.keyword)
        };
        Violation {
            code: cause.code,
            instance_path,
            schema_path,
            keyword: cause.keyword.to_owned(),
            message: message(cause),
        }
    }
}

/// A short sentence for a cause, quoting at most [`QUOTE_LIMIT`] characters.
fn message(cause: &Cause) -> String {
    let quote = |s: &str| {
        let cut: String = s.chars().take(QUOTE_LIMIT).collect();
        if cut.len() < s.len() {
            format!("{cut:?}…")
        } else {
            format!("{cut:?}")
        }
    };
    match (&cause.detail, cause.code) {
        (Detail::Kind(k), ViolationCode::TypeMismatch) => {
            format!("a {} is not of the allowed types", check::kind_name(*k))
        }
        (Detail::Kind(k), _) => format!("no allowed value is a {}", check::kind_name(*k)),
        (Detail::Prefix(s), ViolationCode::UnexpectedProperty) => {
            format!("no allowed property starts with {}", quote(s))
        }
        (Detail::Prefix(s), _) => format!("{} is not, and does not start, an allowed value", quote(s)),
        (Detail::Key(k), ViolationCode::RequiredMissing) => format!("{} is a required property", quote(k)),
        (Detail::Key(k), _) => format!("property {} is not allowed", quote(k)),
        (Detail::Count(n), ViolationCode::TooLong) => format!("longer than {n} characters"),
        (Detail::Count(n), ViolationCode::TooShort) => format!("shorter than {n} characters"),
        (Detail::Count(n), ViolationCode::TooManyItems) => format!("more than {n} items"),
        (Detail::Count(n), ViolationCode::TooFewItems) => format!("fewer than {n} items"),
        (Detail::Count(n), _) => format!("item {n} is not allowed"),
        (Detail::None, _) => "no value is allowed here".to_owned(),
    }
}

#[cfg(test)]
mod tests;
