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
//! test per value. On the way it lays out the validator's tape ([`super::tape`]'s
//! `grow.rs`): strings without escapes as spans of the text (nothing is copied), numbers
//! read by the tape tokenizer's rules, so [`StreamCheck::finish`] checks the document
//! without reading the text again (a text that is broken, incomplete or repeats a key goes
//! through [`Validator::validate_text`] instead: the same verdict by construction). Strings
//! are checked as they grow only where the schema constrains them, once per chunk.
//! [`StreamCheck::partial`] reads the text so far, on demand only.
//!
//! Measured by `stream::tests::cost` (2 MB of objects with `enum`, `anyOf`, `maxLength`,
//! `additionalProperties: false`; instructions counted under callgrind, finish included):
//! 0.52x a `parse_json` + [`Validator::validate`] of the same text fed whole, 0.62x in
//! 16-byte chunks, 0.89x in 4-byte chunks (a token at a time); 1.69x, 2.03x and 2.92x of
//! [`Validator::validate_text`] (its strings are watched for `maxLength` across chunks,
//! and some hold escapes). On the bench's cases in 16-byte chunks: 1.89x (1 KB),
//! 1.85x (20 KB) and 1.86x (200 KB) in instructions (3.1x before the tape was laid out
//! while streaming; `bench/README.md` has the history and the clock); the 20 KB case fed
//! whole 1.62x, in 4-byte chunks (a token-sized delta each) 2.64x. What is left is per
//! chunk and per token: a chunk costs 90 to 160 instructions of its own (the call, the
//! copy into the text, resuming the token it cut), and a token's events update
//! the tokenizer's frames (which also hold the tape's open containers) and the checker's
//! levels. A finished check leaves its stacks to the schema's next check.
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

use schemars::JsonSchema;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

use self::check::{Cause, Checker, Detail};
use self::shape::{Sel, Shape, F_ARRAY, F_NUMBER, K_ARR, K_BOOL, K_NULL, K_NUM, K_OBJ, K_STR};
use super::pointer;
use super::tape::grow::{self, Grower, Piece};
use super::validate::{Validation, Validator, ValidatorOptions, Violation, ViolationCode};
use crate::error::{Error, ErrorCode, Result};

/// A schema compiled for streaming: the validator for the end, the early checks for the way.
#[derive(Debug)]
pub struct StreamSchema {
    validator: Validator,
    shape: Shape,
    /// The size of the last output checked to the end (bytes, at most [`RESERVE_LIMIT`]):
    /// the next check reserves that much, as outputs of one schema tend to be of one size,
    /// instead of growing its buffers by doubling (each step a copy).
    last_size: AtomicUsize,
    /// The stacks of the last check that finished, for the next check to reuse (a check
    /// takes them, or starts with its own when another check holds them).
    spare: Mutex<Option<Spare>>,
}

/// The allocations a check leaves for the next: its stacks and decoding buffer.
#[derive(Debug, Default)]
struct Spare {
    checker: Checker,
    frames: Vec<Frame>,
    buf: String,
}

impl StreamSchema {
    /// Compiles `schema`.
    ///
    /// # Errors
    /// As [`Validator::new`].
    pub fn new(schema: &Value, options: &ValidatorOptions) -> Result<Self> {
        let validator = Validator::new(schema, options)?;
        Ok(Self {
            validator,
            shape: shape::compile(schema, options),
            last_size: AtomicUsize::new(0),
            spare: Mutex::new(None),
        })
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
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
    /// After an item: `,` or `]`.
    AfterItem,
    /// After a member: `,` or `}`.
    AfterMember,
    /// After the top-level value: whitespace only.
    AfterTop,
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
    /// Values read so far: items of an array (the index of the one being read), members of an object.
    len: usize,
    /// The key whose value is being read, in an object: its bytes in the text (between
    /// the quotes), decoded only for a report.
    key: (usize, usize),
    /// Every key read, kept only when `required` cannot be checked by position.
    keys: Vec<String>,
    collect_keys: bool,
    /// The container on the tape.
    open: grow::Open,
}

/// The most a check reserves ahead (bytes of text); a longer output grows its buffers.
const RESERVE_LIMIT: usize = 1 << 20;

/// serde_json's nesting limit: the 128th level is refused.
const MAX_NESTING: usize = 128;

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
    /// Where the content of the string being read starts in the text.
    str_start: usize,
    /// Whether it has an escape: its content so far is then `buf` (decoded) followed by
    /// the text from `run_from`; else the text from `str_start`.
    escaped: bool,
    buf: String,
    run_from: usize,
    /// Whether the string's value is checked when it ends.
    check_end: bool,
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
    num_state: Num,
    num_start: usize,
    lit: &'static [u8],
    /// The literal being read (`None`: `null`).
    lit_value: Option<bool>,
    /// The document laid out as it is read, for [`Self::finish`].
    grow: Grower,
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
        let spare = schema.spare.try_lock().ok().and_then(|mut spare| spare.take()).unwrap_or_default();
        let size = schema.last_size.load(Ordering::Relaxed);
        let mut check = Self {
            grow: Grower::with_capacity(size),
            checker: spare.checker.restart(&schema.shape),
            schema,
            mode: Mode::Start,
            text: String::with_capacity(size),
            frames: spare.frames,
            depth: 0,
            str_start: 0,
            escaped: false,
            buf: spare.buf,
            run_from: 0,
            check_end: false,
            key: false,
            watch: false,
            watch_enum: false,
            watch_max: u64::MAX,
            esc: Esc::None,
            chars: 0,
            counted: 0,
            num_state: Num::Int,
            num_start: 0,
            lit: b"",
            lit_value: None,
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
        self.mode == Mode::AfterTop
    }

    /// The value so far, closed at the last complete value (as [`super::tolerant::repair`]
    /// closes a truncated text): open containers are closed with their complete members and
    /// items; the string, number or literal being read and a key without its value are left
    /// out. `None` before anything is complete (a top-level number is complete only once
    /// something follows it), or once the text is broken. Reads the text so far: call it at
    /// the pace of a display, not per chunk.
    #[must_use]
    pub fn partial(&self) -> Option<Value> {
        let started = self.depth > 0 || self.mode == Mode::AfterTop;
        if self.mode == Mode::Failed || !started {
            return None;
        }
        super::tolerant::repair(&self.text).ok().map(|r| r.value)
    }

    /// Ends the output: the verdict of [`Validator::validate_text`] on the whole text. The
    /// document was laid out as it was read, so a complete one is only checked; anything
    /// else (a syntax error, an incomplete value, a repeated key) goes through
    /// `validate_text` itself.
    ///
    /// # Errors
    /// As [`Validator::validate_text`]: `syntax_error` with line, column and serde_json's
    /// message (the error a `syntax_error` state carries, or one at the end of the text);
    /// `limit_exceeded` past 127 levels of nesting.
    pub fn finish(mut self) -> Result<Validation> {
        self.schema.last_size.store(self.text.len().min(RESERVE_LIMIT), Ordering::Relaxed);
        if let Ok(mut spare) = self.schema.spare.try_lock() {
            *spare = Some(Spare {
                checker: std::mem::take(&mut self.checker),
                frames: std::mem::take(&mut self.frames),
                buf: std::mem::take(&mut self.buf),
            });
        }
        if self.is_complete() {
            if let Some(doc) = self.grow.finish(&self.text) {
                return Ok(self.schema.validator.validate_doc(&doc));
            }
        }
        self.schema.validator.validate_text(&self.text)
    }

    /// The document laid out so far, complete, seen through `f` (`None` where `finish` would
    /// parse the text instead).
    #[cfg(test)]
    pub(crate) fn grown<R>(self, f: impl FnOnce(&super::tape::Doc<'_>) -> R) -> Option<R> {
        if !self.is_complete() {
            return None;
        }
        self.grow.finish(&self.text).map(|doc| f(&doc))
    }

    fn top(&self) -> Option<&Frame> {
        self.depth.checked_sub(1).and_then(|d| self.frames.get(d))
    }

    // ---- tokenizer ----------------------------------------------------------------------

    #[inline(always)]
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
                    i = self.number(chunk, i);
                    continue;
                }
                Mode::Lit => {
                    i = self.literal(bytes, i);
                    continue;
                }
                Mode::Failed => return,
                _ if b <= b' ' && matches!(b, b' ' | b'\t' | b'\r' | b'\n') => {
                    if b == b'\n' {
                        self.newline(i);
                    }
                }
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
                    b'"' => self.start_string(true, i),
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
                Mode::AfterItem => match b {
                    b',' => {
                        self.mode = Mode::ArrayNext;
                        // A comma promises another item (JSON has no trailing comma): past
                        // `maxItems` already.
                        self.more_items(i);
                    }
                    b']' => self.close(i),
                    _ => self.fail_after(i, b, "expected `,` or `]`"),
                },
                Mode::AfterMember => match b {
                    b',' => self.mode = Mode::ObjNext,
                    b'}' => self.close(i),
                    _ => self.fail_after(i, b, "expected `,` or `}`"),
                },
                Mode::AfterTop => self.fail_after(i, b, "trailing characters"),
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
    #[cold]
    fn fail_after(&mut self, i: usize, b: u8, message: &str) {
        if b == b'\n' {
            self.newline(i);
        }
        self.fail_at(self.fed + i + 1, ErrorCode::Syntax, message);
    }

    #[cold]
    fn fail_at(&mut self, at: usize, code: ErrorCode, message: &str) {
        // Inside a watched string, what it holds before the error (a raw control character, a
        // bad escape) may be refused already: that comes first, at its end, as when a chunk
        // ends there.
        if self.mode == Mode::Str && self.watch && self.state.is_open() {
            let end = if self.esc == Esc::None { at.saturating_sub(1) } else { self.run_from };
            self.progress(end);
        }
        let error = Error::new(code, "", message).at(self.line + 1, at.saturating_sub(self.line_start));
        if self.state.is_open() {
            self.state = StreamState::SyntaxError { error: error.clone(), offset: at };
        }
        self.error = Some(error);
        self.mode = Mode::Failed;
    }

    /// A value starts with `b` at `i`, at depth `depth`.
    #[inline(always)]
    fn value(&mut self, b: u8, i: usize) {
        let d = self.depth;
        let shape = &self.schema.shape;
        match b {
            b'{' => self.open(true, i),
            b'[' => self.open(false, i),
            b'"' => {
                self.checker.kind(shape, d, K_STR);
                self.report_death(self.fed + i + 1);
                self.start_string(false, i);
            }
            b'-' | b'0'..=b'9' => {
                self.checker.kind(shape, d, K_NUM);
                self.report_death(self.fed + i + 1);
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
                let (rest, value): (&'static [u8], Option<bool>) = match b {
                    b't' => (b"rue", Some(true)),
                    b'f' => (b"alse", Some(false)),
                    _ => (b"ull", None),
                };
                self.lit_value = value;
                self.checker.kind(shape, d, if value.is_none() { K_NULL } else { K_BOOL });
                self.checker.literal(shape, d, value);
                self.report_death(self.fed + i + 1);
                self.lit = rest;
                self.mode = Mode::Lit;
            }
            _ => self.fail_after(i, b, "expected value"),
        }
    }

    /// An object or array starts at `i`.
    #[inline(never)]
    fn open(&mut self, object: bool, i: usize) {
        let d = self.depth;
        if d + 1 >= MAX_NESTING {
            self.fail_at(self.fed + i + 1, ErrorCode::LimitExceeded, "recursion limit exceeded");
            return;
        }
        let shape = &self.schema.shape;
        self.checker.kind(shape, d, if object { K_OBJ } else { K_ARR });
        let collect_keys = object && self.checker.needs_key_names(shape, d);
        self.report_death(self.fed + i + 1);
        if self.frames.len() <= d {
            self.frames.push(Frame::default());
        }
        if let Some(frame) = self.frames.get_mut(d) {
            frame.object = object;
            frame.len = 0;
            frame.key = (0, 0);
            frame.keys.clear();
            frame.collect_keys = collect_keys;
            frame.open = self.grow.open(object);
        }
        self.depth = d + 1;
        self.mode = if object { Mode::ObjFirst } else { Mode::ArrayFirst };
    }

    /// A comma in the array on top: another item must follow.
    #[inline]
    fn more_items(&mut self, i: usize) {
        let d = self.depth.saturating_sub(1);
        if self.checker.wants(d, F_ARRAY) {
            let index = self.top().map_or(0, |f| f.len);
            self.checker.max_items(&self.schema.shape, d, index);
            self.report_death(self.fed + i + 1);
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
        if let Some(frame) = self.frames.get(d) {
            self.grow.close(&frame.open, frame.len);
        }
        self.depth = d;
        self.attach();
    }

    /// A value ended: count it in its container.
    fn attach(&mut self) {
        self.mode = match self.depth.checked_sub(1).and_then(|d| self.frames.get_mut(d)) {
            Some(frame) => {
                frame.len += 1;
                if frame.object {
                    Mode::AfterMember
                } else {
                    Mode::AfterItem
                }
            }
            None => Mode::AfterTop,
        };
    }

    /// A string starts after the quote at `i`.
    fn start_string(&mut self, key: bool, i: usize) {
        self.mode = Mode::Str;
        self.key = key;
        self.str_start = self.fed + i + 1;
        self.escaped = false;
        self.buf.clear();
        self.esc = Esc::None;
        self.chars = 0;
        self.counted = 0;
        let d = self.depth;
        if key {
            self.watch = self.checker.watches_keys(d.saturating_sub(1));
        } else {
            let (watch, check_end) = self.checker.watches_string(d);
            self.watch = watch.is_some();
            (self.watch_enum, self.watch_max) = watch.unwrap_or((false, u64::MAX));
            self.check_end = check_end;
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
                self.run_from = self.fed + i;
            }
            i = super::plain_run(bytes, i);
            let Some(&b) = bytes.get(i) else { return i };
            match b {
                b'"' => {
                    self.end_string(self.fed + i);
                    // A key's colon, where it follows at once (as model output writes it).
                    if self.mode == Mode::Colon && bytes.get(i + 1) == Some(&b':') {
                        self.mode = Mode::ObjValue;
                        return i + 2;
                    }
                    return i + 1;
                }
                b'\\' => {
                    self.flush_run(self.fed + i);
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

    /// Decodes the string's plain bytes up to `at` into `buf` (the string has an escape).
    fn flush_run(&mut self, at: usize) {
        let from = if self.escaped { self.run_from } else { self.str_start };
        self.escaped = true;
        self.buf.push_str(self.text.get(from..at).unwrap_or_default());
        self.run_from = at;
    }

    /// Reads escape bytes from `i` until the escape ends or the chunk does.
    #[inline(never)]
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
                    self.buf.push(c);
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
                            self.buf.push(char::from_u32(u32::from(n)).unwrap_or('\u{FFFD}'));
                            self.esc = Esc::None;
                        }
                        (Some(h), low) => {
                            let c = 0x1_0000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                            self.buf.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
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

    /// The string being read grew to `end` (the chunk ended): check its prefix.
    fn progress(&mut self, end: usize) {
        if self.escaped && self.esc == Esc::None {
            self.flush_run(end);
        }
        let shape = &self.schema.shape;
        let d = self.depth;
        let text =
            if self.escaped { &self.buf } else { self.text.get(self.str_start..end).unwrap_or_default() };
        if self.key {
            self.checker.key_prefix(shape, d.saturating_sub(1), text);
        } else {
            if self.watch_max < u64::MAX {
                let added = text.get(self.counted..).unwrap_or_default().chars().count();
                self.chars += added as u64;
                self.counted = text.len();
            }
            if !self.watch_enum && self.chars <= self.watch_max {
                return;
            }
            self.checker.string_prefix(shape, d, text, self.chars);
        }
        self.report_death(end);
    }

    /// The string being read ended at `at` (its closing quote).
    fn end_string(&mut self, at: usize) {
        if self.escaped {
            self.flush_run(at);
        }
        let piece = if self.escaped { Piece::Decoded(&self.buf) } else { Piece::Span(self.str_start, at) };
        let text = match piece {
            Piece::Decoded(s) => s,
            Piece::Span(start, end) => self.text.get(start..end).unwrap_or_default(),
        };
        let shape = &self.schema.shape;
        let d = self.depth;
        if self.key {
            let od = d.saturating_sub(1);
            if let Some(frame) = self.frames.get_mut(od) {
                frame.key = (self.str_start, at);
                if frame.collect_keys {
                    frame.keys.push(text.to_owned());
                }
                self.grow.key(&mut frame.open, piece, text);
            }
            self.checker.open_child(shape, od, Sel::Key(text));
            self.report_death(at + 1);
            self.mode = Mode::Colon;
        } else {
            if self.check_end {
                self.checker.string_end(shape, d, text, || text.chars().count() as u64);
            }
            self.grow.string(piece);
            self.report_death(at + 1);
            self.attach();
        }
    }

    /// Reads number bytes from `i`; at the first byte that ends it, ends the number and
    /// returns that byte's index (it is read next as structure).
    fn number(&mut self, chunk: &str, mut i: usize) -> usize {
        let bytes = chunk.as_bytes();
        // Commonly the number started at the byte before and ends in this chunk: read at
        // once by the tape's rules. The machine below reads a number the chunk cuts, and
        // finds the errors.
        if i > 0 && self.num_start + 1 == self.fed + i {
            if let Some((n, end)) = grow::number_at(chunk, i - 1).filter(|&(_, end)| end < bytes.len()) {
                self.number_read(n, self.fed + end + 1);
                return if self.mode == Mode::Failed { bytes.len() } else { end };
            }
        }
        loop {
            // A run of digits where digits continue the state: no transition to decide.
            if matches!(self.num_state, Num::Int | Num::Frac | Num::ExpDigits) {
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            let Some(&b) = bytes.get(i) else { break };
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
            self.num_state = next;
            i += 1;
        }
        i
    }

    /// The number that started at `num_start` ended before `offset - 1` (`offset`: bytes
    /// read when that was known). Read as serde_json reads it (for the document, and for an
    /// integer-only schema), which also refuses one out of range.
    fn end_number(&mut self, offset: usize) {
        let token = self.text.get(self.num_start..offset - 1).unwrap_or_default();
        match grow::number(token) {
            Ok(n) => self.number_read(n, offset),
            Err(e) => {
                // Out of range: serde_json's message and position, within the number.
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or_default().to_owned();
                self.fail_at(self.num_start + e.column(), ErrorCode::Syntax, &message);
            }
        }
    }

    /// The number `n` was read (`offset` as in [`Self::end_number`]).
    #[inline]
    fn number_read(&mut self, n: serde_json::Number, offset: usize) {
        let d = self.depth;
        if self.checker.wants(d, F_NUMBER) {
            self.checker.number(&self.schema.shape, d, &n);
            self.report_death(offset);
        }
        self.grow.number(n);
        self.attach();
    }

    fn literal(&mut self, bytes: &[u8], mut i: usize) -> usize {
        // Commonly the rest of it is in this chunk: compared at once (a few bytes: no call).
        let end = i + self.lit.len();
        if bytes.get(i..end).is_some_and(|rest| rest.iter().zip(self.lit).all(|(a, b)| a == b)) {
            self.grow.literal(self.lit_value);
            self.attach();
            return end;
        }
        while let Some(&b) = bytes.get(i) {
            let Some((&want, rest)) = self.lit.split_first() else { break };
            if b != want {
                self.fail_after(i, b, "expected ident");
                return bytes.len();
            }
            self.lit = rest;
            i += 1;
            if rest.is_empty() {
                self.grow.literal(self.lit_value);
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

    /// What refused the value. Where the alternatives of a union all died, the union (the
    /// validator's `no_branch_matches` there, whichever branch died last); else the leaf's
    /// own cause.
    fn violation(&self, cause: &Cause) -> Violation {
        if let Some((depth, branch)) = self.checker.union_of_death() {
            let (schema_path, keyword) = self.schema.shape.union_keyword(branch);
            return Violation {
                code: ViolationCode::NoBranchMatches,
                instance_path: self.instance_path(depth),
                schema_path: schema_path.to_owned(),
                keyword: keyword.to_owned(),
                message: format!("no branch of `{keyword}` can match, whatever follows"),
            };
        }
        let instance_path = self.instance_path(cause.depth);
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

    /// The JSON Pointer of the open value at `depth` (0: the root).
    fn instance_path(&self, depth: usize) -> String {
        let mut instance_path = String::new();
        for frame in self.frames.iter().take(depth.min(self.depth)) {
            if frame.object {
                let (start, end) = frame.key;
                let quoted = self.text.get(start.saturating_sub(1)..end + 1).unwrap_or_default();
                pointer::push(
                    &mut instance_path,
                    &serde_json::from_str::<String>(quoted).unwrap_or_default(),
                );
            } else {
                pointer::push_index(&mut instance_path, frame.len);
            }
        }
        instance_path
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
