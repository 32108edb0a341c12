//! Repairing the JSON that models actually emit, each repair reported.
//!
//! [`repair`] first hands the text to serde_json: valid JSON costs that one parse and
//! comes back unchanged, with no repairs. Otherwise a lenient reader looks for the value:
//!
//! | repair | what was read | what it became |
//! | --- | --- | --- |
//! | `code_fence_removed` | ```` ```json … ``` ```` | the fenced text (an unclosed fence runs to the end) |
//! | `prose_removed` | `Sure! {"a": 1} Hope this helps` | `{"a": 1}`: text before or after the value |
//! | `comment_removed` | `// …`, `/* … */`, `# …` between tokens | nothing |
//! | `trailing_comma_removed` | `[1, 2,]`, `{"a": 1,}` | `[1, 2]`, `{"a": 1}` |
//! | `missing_comma_inserted` | `[1 2]`, `{"a": 1 "b": 2}` | `[1, 2]`, `{"a": 1, "b": 2}` |
//! | `single_quotes_replaced` | `{'a': 'it"s'}` | `{"a": "it\"s"}` |
//! | `smart_quotes_replaced` | `{“a”: “it’s”}` (typographic double quotes) | `{"a": "it’s"}` |
//! | `unquoted_key_quoted` | `{a: 1}` | `{"a": 1}` (keys of `A-Z a-z 0-9 _ $ -`) |
//! | `python_literal_replaced` | `True`, `False`, `None` | `true`, `false`, `null` |
//! | `control_character_escaped` | a raw newline or tab inside a string | the same character, escaped when written |
//! | `invalid_escape_repaired` | `\'`, `\d`, a lone `\ud800` | `'`, `\d` kept as two characters, U+FFFD |
//! | `truncated_closed` | `{"a": 1, "b": "hel` | `{"a": 1}` |
//!
//! **Truncation never invents a value.** When the text ends inside the value, every
//! container that was opened is closed with the members that were complete, and the
//! member that was being written is dropped: a string without its closing quote, a key
//! without its value, a literal not yet whole (`tru`), and a number (`12` may have been
//! `123`). A literal is complete once its last letter is there. The one exception is a
//! number that is the whole value (`// note\n12`): nothing encloses it, so the text's end
//! is its end. A text cut before any container opened (`"hel`) has no value: an error.
//!
//! What is not repaired: `NaN` and `Infinity` (no JSON value), numbers such as `.5`, `01`
//! or `+1`, a double quote left unescaped inside a double-quoted string, missing colons.
//! Nesting is bounded like serde_json's (127 levels; deeper is `limit_exceeded`), so a
//! repaired value always re-serializes and parses.

use schemars::JsonSchema;
use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

stable_codes! {
    /// What [`repair`] changed in the text.
    pub enum RepairCode {
        /// A Markdown code fence (```` ```json ````) around the value was removed.
        CodeFenceRemoved = "code_fence_removed",
        /// Text before or after the value (an introduction, an explanation) was removed.
        ProseRemoved = "prose_removed",
        /// A `//`, `/* */` or `#` comment was removed.
        CommentRemoved = "comment_removed",
        /// A comma before `]` or `}` was removed.
        TrailingCommaRemoved = "trailing_comma_removed",
        /// A comma between two members or items was missing and was inserted.
        MissingCommaInserted = "missing_comma_inserted",
        /// A single-quoted string was read as a JSON string.
        SingleQuotesReplaced = "single_quotes_replaced",
        /// A string in typographic double quotes (`“…”`, as a word processor or a chat
        /// renderer writes them) was read as a JSON string.
        SmartQuotesReplaced = "smart_quotes_replaced",
        /// An object key without quotes was quoted.
        UnquotedKeyQuoted = "unquoted_key_quoted",
        /// Python's `True`, `False` or `None` was read as `true`, `false` or `null`.
        PythonLiteralReplaced = "python_literal_replaced",
        /// A raw control character (a newline, a tab) inside a string was kept, and is escaped when written.
        ControlCharacterEscaped = "control_character_escaped",
        /// An escape JSON does not have (`\'`, `\d`, a lone surrogate) was repaired.
        InvalidEscapeRepaired = "invalid_escape_repaired",
        /// The text ended inside the value: it was closed at the last complete value.
        TruncatedClosed = "truncated_closed",
        /// The value was a string holding a JSON object or array (encoded twice); a
        /// [`crate::schema::tolerant::TolerantReader`] whose schema refused the string read the
        /// JSON inside it.
        DoubleEncodedDecoded = "double_encoded_decoded",
    }
}

/// One repair, located in the input text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Repair {
    /// The stable code.
    pub code: RepairCode,
    /// Byte offset in the input where the repaired text starts (for `truncated_closed`,
    /// where the dropped text starts).
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column of `offset`, in bytes (as serde_json counts its error columns).
    pub column: usize,
    /// A human sentence; not part of the contract.
    pub message: String,
}

/// A value read from model output, and what it took.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Repaired {
    /// The value.
    pub value: Value,
    /// The repairs in the order of their offsets, at most 64 ([`MAX_REPAIRS`]); empty when
    /// the text was valid JSON.
    pub repairs: Vec<Repair>,
    /// Repairs made beyond [`MAX_REPAIRS`] and not listed.
    pub omitted_repairs: usize,
}

impl Repaired {
    /// Whether the text ended inside the value (a `truncated_closed` repair): the value is
    /// closed at the last complete member, and what followed is lost.
    #[must_use]
    pub fn was_truncated(&self) -> bool {
        self.repairs.iter().any(|r| r.code == RepairCode::TruncatedClosed)
    }

    /// Whether anything was repaired.
    #[must_use]
    pub fn is_repaired(&self) -> bool {
        !self.repairs.is_empty() || self.omitted_repairs > 0
    }
}

/// Repairs listed per text: a 10 MB text of single-quoted strings gives a bounded report.
pub const MAX_REPAIRS: usize = 64;

/// Containers nested at most this deep, like serde_json (whose limit of 128 refuses the
/// 128th level), so that every repaired value parses again.
pub(crate) const MAX_DEPTH: usize = 127;

/// Starting points tried in prose (each `{` or `[`), so that a text of 100,000 brackets
/// costs a bounded number of passes.
const MAX_CANDIDATES: usize = 16;

/// Reads the JSON value in model output, repairing what models emit.
///
/// # Errors
/// `syntax_error` with the line and column where reading failed when the text holds no
/// JSON value that can be repaired; `limit_exceeded` for nesting deeper than 127 levels.
pub fn repair(text: &str) -> Result<Repaired> {
    let first_error = match serde_json::from_str::<Value>(text) {
        Ok(value) => return Ok(Repaired { value, repairs: Vec::new(), omitted_repairs: 0 }),
        Err(e) => e,
    };
    if first_error.to_string().starts_with("recursion limit exceeded") {
        return Err(Error::new(ErrorCode::LimitExceeded, "", "recursion limit exceeded")
            .at(first_error.line(), first_error.column()));
    }
    let mut failure: Option<(usize, &'static str)> = None;
    let mut regions = Vec::with_capacity(3);
    // A reasoning model's thoughts come before its answer and may quote JSON of their own.
    let answer = reasoning_end(text);
    let rest = text.get(answer..).unwrap_or_default();
    // A text that opens with a bracket is the value itself, even when a string in it holds
    // a fence (`{"code": "```js ..."}`).
    if !rest.trim_start().starts_with(['{', '[']) {
        regions.extend(find_fence(text, answer));
    }
    if answer > 0 {
        let message = "the reasoning before the answer removed".into();
        let notes = vec![Note { code: RepairCode::ProseRemoved, offset: 0, message }];
        regions.push(Region { start: answer, end: text.len(), notes });
    }
    regions.push(Region { start: 0, end: text.len(), notes: Vec::new() });
    for region in regions {
        match read_region(text, region) {
            Ok(repaired) => return Ok(repaired),
            Err(Fail::Limit(offset)) => {
                let (line, column) = line_column(text, offset);
                return Err(
                    Error::new(ErrorCode::LimitExceeded, "", "recursion limit exceeded").at(line, column)
                );
            }
            Err(Fail::Syntax(offset, message)) => {
                failure.get_or_insert((offset, message));
            }
        }
    }
    let (offset, message) = failure.unwrap_or((0, "no JSON value found"));
    let (line, column) = line_column(text, offset);
    Err(Error::new(ErrorCode::Syntax, "", message).at(line, column))
}

/// The object or array a string value holds as strict JSON text (a model that encoded its
/// answer twice: `"{\"a\": 1}"`), with the repair that says so, located at the text's first
/// quote; `None` for any other value. A reader applies it where its schema refused the string.
pub(super) fn double_encoded(text: &str, value: &Value) -> Option<(Value, Repair)> {
    let Value::String(inner) = value else { return None };
    if !inner.trim_start().starts_with(['{', '[']) {
        return None;
    }
    let value = crate::schema::parse_json(inner).ok()?;
    let offset = text.find('"').unwrap_or(0);
    let (line, column) = line_column(text, offset);
    let message = "the value was a string holding JSON; the JSON inside it was read".to_owned();
    Some((value, Repair { code: RepairCode::DoubleEncodedDecoded, offset, line, column, message }))
}

/// A repair before it is located (line and column are computed once, at the end).
struct Note {
    code: RepairCode,
    offset: usize,
    message: Cow<'static, str>,
}

/// The part of the text the value is looked for in, with the repairs that delimited it.
struct Region {
    start: usize,
    end: usize,
    notes: Vec<Note>,
}

/// Why a reading failed: no value here, or nesting past the limit.
enum Fail {
    Syntax(usize, &'static str),
    Limit(usize),
}

/// Where [`Lenient::between`] stopped, between the members of a container.
enum Between {
    /// The text ended.
    Cut,
    /// The container closed.
    Closed,
    /// A comma was read; look again.
    Again,
    /// A member starts with this byte.
    Member(u8),
}

/// A value read to its end, or cut by the end of the text (`None`: nothing complete).
enum Parsed {
    Done(Value),
    Cut(Option<Value>),
}

/// Where the answer starts after a reasoning model's thoughts (`<think>...</think>`, as
/// DeepSeek-R1 and Qwen emit them, the opening tag sometimes left out): after the last closing
/// tag; 0 without one. A text that opens with a bracket is the value, and a tag inside it (a
/// string that quotes one) ends nothing: only a tag after its group closes counts.
fn reasoning_end(text: &str) -> usize {
    let lead = text.len() - text.trim_start().len();
    let from = if text[lead..].starts_with(['{', '[']) {
        skip_group(text.as_bytes(), lead, text.len()).unwrap_or(text.len())
    } else {
        0
    };
    let after = text.get(from..).unwrap_or_default();
    ["</think>", "</thinking>", "</reasoning>"]
        .iter()
        .filter_map(|tag| after.rfind(tag).map(|at| from + at + tag.len()))
        .max()
        .unwrap_or(0)
}

/// Whether a fence's info string names a programming, shell or markup language whose code a
/// model shows beside its answer (`python`, `bash`): such a fence never holds the answer.
/// Any other (`json`, `jsonc`, `javascript`, `markdown`, `text`, none) may.
fn code_fence(info: &str) -> bool {
    const CODE: &[&str] = &[
        "python",
        "py",
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "powershell",
        "sql",
        "html",
        "xml",
        "css",
        "rust",
        "go",
        "java",
        "kotlin",
        "c",
        "cpp",
        "csharp",
        "cs",
        "ruby",
        "php",
        "swift",
        "yaml",
        "yml",
        "toml",
        "ini",
        "diff",
    ];
    CODE.iter().any(|lang| lang.eq_ignore_ascii_case(info))
}

/// The first Markdown fence at or after `from` that may hold the answer (not [`code_fence`]): its
/// content, and the prose around it. As in CommonMark, the fence is closed by a line of at
/// least as many backticks and nothing else (a string of the value may hold three backticks);
/// a fence closed on the value's own line, as models sometimes write it, ends at the first run
/// of backticks after the value's brackets close (the last run when it holds no bracketed value).
fn find_fence(text: &str, from: usize) -> Option<Region> {
    let bytes = text.as_bytes();
    let mut from = from;
    let (open, start, close) = loop {
        // A fence opens a line (after indentation).
        let open = from
            + text.get(from..)?.match_indices("```").map(|(i, _)| i).find(|&i| {
                let before = bytes.get(..from + i).unwrap_or_default();
                before.iter().rev().take_while(|&&b| b != b'\n').all(|b| matches!(b, b' ' | b'\t'))
            })?;
        let ticks = bytes.get(open..).unwrap_or_default().iter().take_while(|&&b| b == b'`').count();
        let mut start = open + ticks;
        // The info string (`json`, `jsonc`, `javascript`), then the rest of the fence line.
        while bytes.get(start).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+')) {
            start += 1;
        }
        let info = text.get(open + ticks..start).unwrap_or_default();
        while bytes.get(start).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let tail = text.get(start..).unwrap_or("");
        let run = &"`".repeat(ticks);
        let close = closing_fence(tail, ticks)
            .or_else(|| {
                let lead = tail.len() - tail.trim_start().len();
                if tail[lead..].starts_with(['{', '[']) {
                    let after = skip_group(tail.as_bytes(), lead, tail.len())?;
                    tail.get(after..)?.find(run.as_str()).map(|i| after + i)
                } else {
                    tail.rfind(run.as_str())
                }
            })
            .map(|i| start + i);
        if !code_fence(info) {
            break (open, start, close);
        }
        // Code in another language: the answer is after it.
        from = close.map_or(text.len(), |c| c + ticks);
    };
    let end = close.unwrap_or(text.len());
    let mut notes = Vec::new();
    if text.get(..open).is_some_and(|s| !s.trim().is_empty()) {
        notes.push(Note {
            code: RepairCode::ProseRemoved,
            offset: 0,
            message: "text before the code fence removed".into(),
        });
    }
    notes.push(Note {
        code: RepairCode::CodeFenceRemoved,
        offset: open,
        message: "code fence removed".into(),
    });
    if let Some(close) = close {
        let after = close + bytes.get(close..).unwrap_or_default().iter().take_while(|&&b| b == b'`').count();
        if text.get(after..).is_some_and(|s| !s.trim().is_empty()) {
            notes.push(Note {
                code: RepairCode::ProseRemoved,
                offset: after,
                message: "text after the code fence removed".into(),
            });
        }
    }
    Some(Region { start, end, notes })
}

/// Where in `tail` a line of at least `ticks` backticks, with only spaces around, starts.
fn closing_fence(tail: &str, ticks: usize) -> Option<usize> {
    let mut line_start = 0;
    for line in tail.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t']);
        let run = trimmed.bytes().take_while(|&b| b == b'`').count();
        if run >= ticks && trimmed[run..].trim().is_empty() {
            return Some(line_start + (line.len() - trimmed.len()));
        }
        line_start += line.len();
    }
    None
}

/// Reads the value in one region: at its start, else at each `{` or `[` in turn.
fn read_region(text: &str, region: Region) -> Result<Repaired, Fail> {
    let Region { start, end, notes } = region;
    let mut reader =
        Lenient { text, bytes: text.as_bytes(), pos: start, end, notes: Vec::new(), cut_at: None };
    reader.skip_ws();
    let lead = reader.pos;
    let lead_notes = std::mem::take(&mut reader.notes);
    let mut failure = None;
    // In prose, the first object is the answer, else the first array: `see [1]` or a list in
    // the prose before it is not (structured output's root is an object).
    let mut found: Option<Candidate> = None;
    let mut candidate = Some(lead);
    let mut tried = 0;
    while let Some(at) = candidate {
        tried += 1;
        reader.pos = at;
        reader.notes.clear();
        reader.cut_at = None;
        let outcome = reader.parse_value(0);
        match outcome {
            Err(Fail::Limit(offset)) => return Err(Fail::Limit(offset)),
            Err(Fail::Syntax(offset, message)) => {
                failure.get_or_insert(Fail::Syntax(offset, message));
            }
            Ok(Parsed::Cut(None)) => {
                failure.get_or_insert(Fail::Syntax(end, "the text ends before any value is complete"));
            }
            Ok(parsed) => {
                reader.skip_ws();
                let scalar = matches!(&parsed, Parsed::Done(v) if !v.is_array() && !v.is_object());
                // A scalar counts only when it is the whole text: `42 reasons why ...` is prose.
                if !(scalar && reader.pos < end) {
                    // The text opens with it, it is an object, or the text ends inside it
                    // (what follows is part of it): it is the answer.
                    if at == lead || reader.bytes.get(at) == Some(&b'{') || matches!(parsed, Parsed::Cut(_)) {
                        return Ok(reader.finish(parsed, notes, lead_notes, lead, at));
                    }
                    if found.is_none() {
                        let notes = std::mem::take(&mut reader.notes);
                        found = Some(Candidate { parsed, notes, cut_at: reader.cut_at, pos: reader.pos, at });
                    }
                } else {
                    failure.get_or_insert(Fail::Syntax(reader.pos, "text after the value"));
                }
            }
        }
        // The next candidate is not nested in this one: `{"a": hello, "b": {"c": 1}}` must
        // not come back as `{"c": 1}`; after a bracket that never closes (prose: `a { sign`),
        // the search goes on after it.
        let from = if matches!(reader.bytes.get(at), Some(b'{' | b'[')) {
            skip_group(reader.bytes, at, end).unwrap_or(at + 1)
        } else {
            at + 1
        };
        candidate = if tried < MAX_CANDIDATES { next_bracket(reader.bytes, from, end) } else { None };
    }
    if let Some(Candidate { parsed, notes: found_notes, cut_at, pos, at }) = found {
        (reader.notes, reader.cut_at, reader.pos) = (found_notes, cut_at, pos);
        return Ok(reader.finish(parsed, notes, lead_notes, lead, at));
    }
    Err(failure.unwrap_or(Fail::Syntax(lead, "no JSON value found")))
}

/// An array read in prose, kept while an object may follow.
struct Candidate {
    parsed: Parsed,
    notes: Vec<Note>,
    cut_at: Option<usize>,
    pos: usize,
    at: usize,
}

/// The index after the bracket that closes the one at `at` (double-quoted strings
/// skipped; an apostrophe in prose is no quote), if any.
fn skip_group(bytes: &[u8], at: usize, end: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = at;
    while i < end {
        let b = *bytes.get(i)?;
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' => quote = Some(b),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

fn next_bracket(bytes: &[u8], from: usize, end: usize) -> Option<usize> {
    bytes.get(from..end)?.iter().position(|b| matches!(b, b'{' | b'[')).map(|i| from + i)
}

/// 1-based line and byte column of `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    (line, offset - line_start + 1)
}

struct Lenient<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    end: usize,
    notes: Vec<Note>,
    /// Where the dropped part of a truncated text starts.
    cut_at: Option<usize>,
}

impl Lenient<'_> {
    fn note(&mut self, code: RepairCode, offset: usize, message: &'static str) {
        self.notes.push(Note { code, offset, message: message.into() });
    }

    fn peek(&self) -> Option<u8> {
        if self.pos < self.end {
            self.bytes.get(self.pos).copied()
        } else {
            None
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.bytes.get(i).copied()
        } else {
            None
        }
    }

    fn slice(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or("")
    }

    /// Skips whitespace and comments (each comment a repair).
    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if self.at(self.pos + 1) == Some(b'/') => self.line_comment(),
                b'#' => self.line_comment(),
                b'/' if self.at(self.pos + 1) == Some(b'*') => {
                    let start = self.pos;
                    let body = self.pos + 2;
                    let close = self.slice(body, self.end).find("*/");
                    self.pos = close.map_or(self.end, |i| body + i + 2);
                    self.note(RepairCode::CommentRemoved, start, "comment removed");
                }
                _ => return,
            }
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let newline = self.slice(start, self.end).find('\n');
        self.pos = newline.map_or(self.end, |i| start + i);
        self.note(RepairCode::CommentRemoved, start, "comment removed");
    }

    fn parse_value(&mut self, depth: usize) -> Result<Parsed, Fail> {
        self.skip_ws();
        let start = self.pos;
        let Some(b) = self.peek() else {
            self.cut_at.get_or_insert(start);
            return Ok(Parsed::Cut(None));
        };
        let parsed = match b {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' | b'\'' => self.string(b)?.map_or(Parsed::Cut(None), |s| Parsed::Done(Value::String(s))),
            SMART if self.smart_open() => {
                self.string(SMART)?.map_or(Parsed::Cut(None), |s| Parsed::Done(Value::String(s)))
            }
            b'-' | b'0'..=b'9' => self.number(depth)?,
            b if b.is_ascii_alphabetic() => self.literal()?,
            _ => return Err(Fail::Syntax(start, "expected a value")),
        };
        if matches!(parsed, Parsed::Cut(None)) {
            self.cut_at = Some(start);
        }
        Ok(parsed)
    }

    fn object(&mut self, depth: usize) -> Result<Parsed, Fail> {
        if depth >= MAX_DEPTH {
            return Err(Fail::Limit(self.pos));
        }
        self.pos += 1;
        let mut map = Map::new();
        let mut first = true;
        let mut comma: Option<usize> = None;
        loop {
            let b = match self.between(b'}', first, &mut comma, starts_key, "expected `,` or `}`")? {
                Between::Cut => return Ok(Parsed::Cut(Some(Value::Object(map)))),
                Between::Closed => return Ok(Parsed::Done(Value::Object(map))),
                Between::Again => continue,
                Between::Member(b) => b,
            };
            let key_start = self.pos;
            let key = match b {
                b'"' | b'\'' => self.string(b)?,
                SMART if self.smart_open() => self.string(SMART)?,
                b if is_key_byte(b) => self.bare_key(),
                _ => return Err(Fail::Syntax(self.pos, "expected a key")),
            };
            let Some(key) = key else {
                self.cut_at = Some(key_start);
                return Ok(Parsed::Cut(Some(Value::Object(map))));
            };
            self.skip_ws();
            match self.peek() {
                None => {
                    self.cut_at = Some(key_start);
                    return Ok(Parsed::Cut(Some(Value::Object(map))));
                }
                Some(b':') => self.pos += 1,
                Some(_) => return Err(Fail::Syntax(self.pos, "expected `:`")),
            }
            match self.parse_value(depth + 1)? {
                Parsed::Done(v) => {
                    map.insert(key, v);
                }
                Parsed::Cut(Some(v)) => {
                    map.insert(key, v);
                    return Ok(Parsed::Cut(Some(Value::Object(map))));
                }
                Parsed::Cut(None) => {
                    self.cut_at = Some(key_start);
                    return Ok(Parsed::Cut(Some(Value::Object(map))));
                }
            }
            first = false;
            comma = None;
        }
    }

    /// What comes before the next member of an object or array: the end of the text, the
    /// closing `close` (a trailing comma before it is removed), a comma (`Again`), or the
    /// member's first byte (a missing comma before it inserted when `starts` says a member
    /// begins there).
    fn between(
        &mut self,
        close: u8,
        first: bool,
        comma: &mut Option<usize>,
        starts: fn(u8) -> bool,
        expected: &'static str,
    ) -> Result<Between, Fail> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            self.cut_at.get_or_insert(self.pos);
            return Ok(Between::Cut);
        };
        if b == close {
            if let Some(at) = *comma {
                self.note(RepairCode::TrailingCommaRemoved, at, "trailing comma removed");
            }
            self.pos += 1;
            return Ok(Between::Closed);
        }
        if !first && comma.is_none() {
            if b == b',' {
                *comma = Some(self.pos);
                self.pos += 1;
                return Ok(Between::Again);
            }
            if !starts(b) {
                return Err(Fail::Syntax(self.pos, expected));
            }
            self.note(RepairCode::MissingCommaInserted, self.pos, "missing comma inserted");
        }
        Ok(Between::Member(b))
    }

    /// An unquoted key (`A-Z a-z 0-9 _ $ -`); `None` when the text ends inside it.
    fn bare_key(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(is_key_byte) {
            self.pos += 1;
        }
        if self.pos >= self.end {
            return None;
        }
        self.note(RepairCode::UnquotedKeyQuoted, start, "unquoted key quoted");
        Some(self.slice(start, self.pos).to_owned())
    }

    fn array(&mut self, depth: usize) -> Result<Parsed, Fail> {
        if depth >= MAX_DEPTH {
            return Err(Fail::Limit(self.pos));
        }
        self.pos += 1;
        let mut items = Vec::new();
        let mut first = true;
        let mut comma: Option<usize> = None;
        loop {
            match self.between(b']', first, &mut comma, starts_value, "expected `,` or `]`")? {
                Between::Cut => return Ok(Parsed::Cut(Some(Value::Array(items)))),
                Between::Closed => return Ok(Parsed::Done(Value::Array(items))),
                Between::Again => continue,
                Between::Member(_) => {}
            }
            match self.parse_value(depth + 1)? {
                Parsed::Done(v) => items.push(v),
                Parsed::Cut(Some(v)) => {
                    items.push(v);
                    return Ok(Parsed::Cut(Some(Value::Array(items))));
                }
                Parsed::Cut(None) => return Ok(Parsed::Cut(Some(Value::Array(items)))),
            }
            first = false;
            comma = None;
        }
    }

    /// Whether `“` starts at `pos`.
    fn smart_open(&self) -> bool {
        self.bytes[self.pos..self.end].starts_with(SMART_OPEN.as_bytes())
    }

    /// The length of the quote that closes a string opened by `quote` at `pos`, if one does:
    /// `quote` itself, or, after `“`, `”` or a plain `"`.
    fn closes(&self, quote: u8, b: u8) -> Option<usize> {
        match (quote, b) {
            (SMART, SMART) => self.bytes[self.pos..self.end].starts_with(SMART_CLOSE.as_bytes()).then_some(3),
            (SMART, b'"') => Some(1),
            (SMART, _) => None,
            _ => (b == quote).then_some(1),
        }
    }

    /// A string quoted by `quote` (`SMART` for `“`); `None` when the text ends inside it.
    fn string(&mut self, quote: u8) -> Result<Option<String>, Fail> {
        let start = self.pos;
        if quote == b'\'' {
            self.note(RepairCode::SingleQuotesReplaced, start, "single-quoted string read as a JSON string");
        }
        if quote == SMART {
            self.note(
                RepairCode::SmartQuotesReplaced,
                start,
                "string in typographic quotes read as a JSON string",
            );
            self.pos += SMART_OPEN.len() - 1;
        }
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else { return Ok(None) };
            if let Some(len) = self.closes(quote, b) {
                out.push_str(self.slice(run, self.pos));
                self.pos += len;
                return Ok(Some(out));
            }
            if b == b'\\' {
                out.push_str(self.slice(run, self.pos));
                if !self.escape(quote, &mut out) {
                    return Ok(None);
                }
                run = self.pos;
            } else {
                if b < 0x20 {
                    self.note(
                        RepairCode::ControlCharacterEscaped,
                        self.pos,
                        "raw control character in a string",
                    );
                }
                self.pos += 1;
            }
        }
    }

    /// Reads the escape at `pos` into `out`; `false` when the text ends inside it.
    fn escape(&mut self, quote: u8, out: &mut String) -> bool {
        let at = self.pos;
        let Some(c) = self.at(at + 1) else { return false };
        let simple = match c {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'\'' => {
                if quote != b'\'' {
                    self.note(RepairCode::InvalidEscapeRepaired, at, "`\\'` read as `'`");
                }
                Some('\'')
            }
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            self.pos += 2;
            return true;
        }
        if c == b'u' {
            match self.hex4(at + 2) {
                Hex::Cut => return false,
                Hex::Value(high @ 0xD800..=0xDBFF) => {
                    if self.at(at + 6) == Some(b'\\') && self.at(at + 7) == Some(b'u') {
                        match self.hex4(at + 8) {
                            Hex::Cut => return false,
                            Hex::Value(low @ 0xDC00..=0xDFFF) => {
                                let code =
                                    0x1_0000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                                self.pos += 12;
                                return true;
                            }
                            _ => {}
                        }
                    } else if self.at(at + 6).is_none()
                        || (self.at(at + 6) == Some(b'\\') && self.at(at + 7).is_none())
                    {
                        return false;
                    }
                    self.note(RepairCode::InvalidEscapeRepaired, at, "lone surrogate replaced by U+FFFD");
                    out.push('\u{FFFD}');
                    self.pos += 6;
                    return true;
                }
                Hex::Value(n) => {
                    match char::from_u32(u32::from(n)) {
                        Some(ch) => out.push(ch),
                        None => {
                            self.note(
                                RepairCode::InvalidEscapeRepaired,
                                at,
                                "lone surrogate replaced by U+FFFD",
                            );
                            out.push('\u{FFFD}');
                        }
                    }
                    self.pos += 6;
                    return true;
                }
                Hex::Invalid => {}
            }
        }
        // An escape JSON does not have: the backslash is kept as a character.
        self.note(RepairCode::InvalidEscapeRepaired, at, "unknown escape kept as text");
        out.push('\\');
        self.pos += 1;
        true
    }

    fn hex4(&self, from: usize) -> Hex {
        let mut n: u16 = 0;
        for i in from..from + 4 {
            let Some(b) = self.at(i) else { return Hex::Cut };
            let Some(d) = (b as char).to_digit(16) else { return Hex::Invalid };
            #[allow(clippy::cast_possible_truncation)]
            let d = d as u16;
            n = n * 16 + d;
        }
        Hex::Value(n)
    }

    fn number(&mut self, depth: usize) -> Result<Parsed, Fail> {
        let start = self.pos;
        while self.peek().is_some_and(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) {
            self.pos += 1;
        }
        if self.pos >= self.end && depth > 0 {
            // `12` may have been `123`: a number the text's end cuts is not complete.
            return Ok(Parsed::Cut(None));
        }
        match serde_json::from_str::<Value>(self.slice(start, self.pos)) {
            Ok(v @ Value::Number(_)) => Ok(Parsed::Done(v)),
            _ if self.pos >= self.end && matches!(self.slice(start, self.pos), "-") => Ok(Parsed::Cut(None)),
            _ => Err(Fail::Syntax(start, "invalid number")),
        }
    }

    fn literal(&mut self) -> Result<Parsed, Fail> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.pos += 1;
        }
        let word = self.slice(start, self.pos);
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "True" | "False" | "None" => {
                let v = match word {
                    "True" => Value::Bool(true),
                    "False" => Value::Bool(false),
                    _ => Value::Null,
                };
                self.note(RepairCode::PythonLiteralReplaced, start, "Python literal replaced");
                v
            }
            _ if self.pos >= self.end
                && ["true", "false", "null", "True", "False", "None"].iter().any(|w| w.starts_with(word)) =>
            {
                return Ok(Parsed::Cut(None));
            }
            _ => return Err(Fail::Syntax(start, "expected a value")),
        };
        Ok(Parsed::Done(value))
    }

    /// Assembles the result: the region's notes, the prose skipped before the value, the
    /// value's own repairs, prose after it, and the truncation.
    fn finish(
        mut self,
        parsed: Parsed,
        region_notes: Vec<Note>,
        lead_notes: Vec<Note>,
        lead: usize,
        at: usize,
    ) -> Repaired {
        let (value, cut) = match parsed {
            Parsed::Done(v) => (v, false),
            Parsed::Cut(v) => (v.unwrap_or(Value::Null), true),
        };
        let mut notes = region_notes;
        notes.extend(lead_notes);
        if at > lead {
            notes.push(Note {
                code: RepairCode::ProseRemoved,
                offset: lead,
                message: format!("{} bytes of text before the value removed", at - lead).into(),
            });
        }
        if cut {
            let cut_at = self.cut_at.unwrap_or(self.end);
            // Repairs inside the dropped part were never used.
            self.notes.retain(|n| n.offset < cut_at);
            notes.append(&mut self.notes);
            notes.push(Note {
                code: RepairCode::TruncatedClosed,
                offset: cut_at,
                message: "the text ends inside the value: closed at the last complete value".into(),
            });
        } else {
            notes.append(&mut self.notes);
            if self.pos < self.end {
                notes.push(Note {
                    code: RepairCode::ProseRemoved,
                    offset: self.pos,
                    message: format!("{} bytes of text after the value removed", self.end - self.pos).into(),
                });
            }
        }
        locate(self.text, value, notes)
    }
}

enum Hex {
    Value(u16),
    Invalid,
    Cut,
}

/// Typographic double quotes, both three bytes in UTF-8 and both led by [`SMART`].
const SMART_OPEN: &str = "\u{201c}";
const SMART_CLOSE: &str = "\u{201d}";
const SMART: u8 = 0xE2;

fn starts_key(b: u8) -> bool {
    b == b'"' || b == b'\'' || b == SMART || is_key_byte(b)
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-')
}

fn starts_value(b: u8) -> bool {
    matches!(b, b'{' | b'[' | b'"' | b'\'' | SMART | b'-' | b'0'..=b'9') || b.is_ascii_alphabetic()
}

/// Sorts the notes by offset, keeps [`MAX_REPAIRS`] and gives each its line and column
/// in one pass over the text.
fn locate(text: &str, value: Value, mut notes: Vec<Note>) -> Repaired {
    notes.sort_by_key(|n| n.offset);
    let omitted_repairs = notes.len().saturating_sub(MAX_REPAIRS);
    notes.truncate(MAX_REPAIRS);
    let bytes = text.as_bytes();
    let (mut line, mut line_start, mut scanned) = (1, 0, 0);
    let repairs = notes
        .into_iter()
        .map(|n| {
            let offset = n.offset.min(bytes.len());
            for (i, &b) in bytes.get(scanned..offset).unwrap_or_default().iter().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = scanned + i + 1;
                }
            }
            scanned = scanned.max(offset);
            Repair {
                code: n.code,
                offset,
                line,
                column: offset - line_start + 1,
                message: n.message.into_owned(),
            }
        })
        .collect();
    Repaired { value, repairs, omitted_repairs }
}
