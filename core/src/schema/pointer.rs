//! JSON Pointers (RFC 6901): how every schema finding, violation and change names its place.

use core::fmt::Write as _;

/// Appends one reference token to a pointer, escaping `~` as `~0` and `/` as `~1`.
pub fn push(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Appends an array index to a pointer.
pub fn push_index(pointer: &mut String, index: usize) {
    let _ = write!(pointer, "/{index}");
}

/// `pointer` with `token` appended.
#[must_use]
pub fn child(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    push(&mut out, token);
    out
}

/// The unescaped reference tokens of a pointer (`/a~1b/0` is `["a/b", "0"]`); a leading
/// `#` (a URI fragment) is allowed and percent-decoding is the caller's concern.
#[must_use]
pub fn tokens(pointer: &str) -> Vec<String> {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_escaping() {
        let mut p = String::new();
        push(&mut p, "properties");
        push(&mut p, "a/b~c");
        push_index(&mut p, 3);
        assert_eq!(p, "/properties/a~1b~0c/3");
        assert_eq!(tokens(&p), ["properties", "a/b~c", "3"]);
        assert_eq!(tokens("#/$defs/x"), ["$defs", "x"]);
        assert!(tokens("#").is_empty());
        assert_eq!(child("/a", "b"), "/a/b");
    }
}
