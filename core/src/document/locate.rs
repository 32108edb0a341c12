//! Where a node of a document is: the line and column of the value at a dotted path, in
//! JSON or TOML text, for errors found after the text was parsed (a refused value, a rule
//! across fields, a name inside a string).

use super::tree::{segments, Segment};

/// The 1-based line and column of the node at `path`: where its value starts (a refused
/// value, a name inside a string), or with `key` where its key is written (an unknown field);
/// else the nearest enclosing node that exists (a missing field is placed at the table that
/// misses it); `None` for the root.
#[must_use]
pub fn locate(text: &str, toml: bool, path: &str, key: bool) -> Option<(usize, usize)> {
    let segs = segments(path);
    (1..=segs.len()).rev().find_map(|n| {
        let key = key && n == segs.len();
        let at = if toml {
            toml_offset(text, &segs[..n], key)
        } else {
            json_offset(text.as_bytes(), 0, &segs[..n], key)
        };
        at.map(|offset| line_column(text, offset))
    })
}

/// The 1-based line and column of byte `offset` (columns count characters).
#[must_use]
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn toml_offset(text: &str, segs: &[Segment<'_>], key_at: bool) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let (first, rest) = segs.split_first()?;
    let Segment::Key(key) = first else { return None };
    let (mut k_at, mut node) = root
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == *key)
        .map(|(k, v)| (k.span().start, v))?;
    for seg in rest {
        (k_at, node) = match (seg, node.get_ref()) {
            (Segment::Key(key), DeValue::Table(t)) => {
                t.iter().find(|(k, _)| k.get_ref().as_ref() == *key).map(|(k, v)| (k.span().start, v))?
            }
            (Segment::Index(i), DeValue::Array(items)) => items.get(*i).map(|v| (v.span().start, v))?,
            _ => return None,
        };
    }
    // A `[table]` header's value span is its body; its key is where a reader looks for it.
    let table = matches!(node.get_ref(), DeValue::Table(_));
    Some(if key_at || table { k_at } else { node.span().start })
}

/// The offset of the value at `segs` inside the JSON value that starts at (or after blanks
/// from) `pos`.
fn json_offset(b: &[u8], pos: usize, segs: &[Segment<'_>], key_at: bool) -> Option<usize> {
    let pos = skip_blank(b, pos);
    let Some((seg, rest)) = segs.split_first() else { return Some(pos) };
    match (b.get(pos)?, seg) {
        (b'{', Segment::Key(want)) => {
            // The last place the key is written: the one a JSON reader keeps.
            let mut last = None;
            let mut at = pos + 1;
            loop {
                at = skip_blank(b, at);
                if b.get(at)? != &b'"' {
                    break;
                }
                let key_start = at;
                let end = string_end(b, at)?;
                let raw = std::str::from_utf8(&b[at..end]).ok()?;
                let key: std::borrow::Cow<'_, str> = if raw.contains('\\') {
                    serde_json::from_str::<String>(raw).ok()?.into()
                } else {
                    raw[1..raw.len() - 1].into()
                };
                at = skip_blank(b, end);
                if b.get(at)? != &b':' {
                    return None;
                }
                if key == *want {
                    last = Some((key_start, at + 1));
                }
                at = skip_blank(b, value_end(b, skip_blank(b, at + 1))?);
                if b.get(at)? != &b',' {
                    break;
                }
                at += 1;
            }
            let (key_start, value) = last?;
            if rest.is_empty() && key_at {
                Some(key_start)
            } else {
                json_offset(b, value, rest, key_at)
            }
        }
        (b'[', Segment::Index(want)) => {
            let mut at = pos + 1;
            for i in 0.. {
                at = skip_blank(b, at);
                if i == *want {
                    return json_offset(b, at, rest, key_at);
                }
                at = skip_blank(b, value_end(b, at)?);
                if b.get(at)? != &b',' {
                    return None;
                }
                at += 1;
            }
            None
        }
        _ => None,
    }
}

fn skip_blank(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at
}

/// The offset just past the string whose quote is at `at`.
fn string_end(b: &[u8], mut at: usize) -> Option<usize> {
    at += 1;
    loop {
        match b.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The offset just past the value that starts at `at`.
fn value_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at)? {
        b'"' => string_end(b, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = at;
            while b.get(i).is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')) {
                i += 1;
            }
            Some(i)
        }
    }
}
