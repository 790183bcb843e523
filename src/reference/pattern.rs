//! `FamiliarMatch` (helpers.go) and the shell pattern matching it uses, Go's `path.Match`.
//!
//! Pattern syntax (Go's `path.Match`):
//!
//! ```text
//! pattern:     { term }
//! term:        '*'         any sequence of non-/ characters
//!              '?'         any single non-/ character
//!              '[' [ '^' ] { character-range } ']'   character class (must be non-empty)
//!              c           matches character c (c != '*', '?', '\\', '[')
//!              '\\' c      matches character c
//! character-range:
//!              c           matches character c (c != '\\', '-', ']')
//!              '\\' c      matches character c
//!              lo '-' hi   matches character c for lo <= c <= hi
//! ```
//!
//! A malformed pattern is an error whether or not the name matches (Go checks the rest of
//! the pattern before answering `false`). Time is at most `O(len(pattern) * len(name))`:
//! `*` retries its following chunk at each position, with no nested backtracking.

use super::{AnyReference, ReferenceError};

/// `FamiliarMatch`: whether `reference`'s familiar string matches the shell `pattern` (Go's
/// `path.Match`), or, for a named reference, its familiar name does. A malformed pattern is
/// [`ReferenceError::BadPattern`].
pub fn familiar_match(pattern: &str, reference: &AnyReference) -> Result<bool, ReferenceError> {
    let bad = |_| ReferenceError::BadPattern {
        pattern: pattern.to_owned(),
    };
    let matched = path_match(pattern, reference.familiar_string()).map_err(bad)?;
    if matched {
        return Ok(true);
    }
    Ok(match reference.named() {
        Some(named) => path_match(pattern, named.familiar_name()).unwrap_or(false),
        None => false,
    })
}

/// Go's `path.ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadPattern;

/// Go's `path.Match(pattern, name)`.
fn path_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'chunks: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing '*' matches the rest of the name unless it holds a '/'.
            return Ok(!name.contains(&b'/'));
        }
        // The chunk at the current position; the last chunk must also use up the name.
        if let Some(rest) = match_chunk(chunk, name)? {
            if rest.is_empty() || !pattern.is_empty() {
                name = rest;
                continue;
            }
        }
        if star {
            // Let the '*' swallow 1, 2, ... bytes, never a '/'.
            let mut skip = 0;
            while skip < name.len() && name.get(skip) != Some(&b'/') {
                skip += 1;
                if let Some(rest) = match_chunk(chunk, name.get(skip..).unwrap_or_default())? {
                    if pattern.is_empty() && !rest.is_empty() {
                        continue;
                    }
                    name = rest;
                    continue 'chunks;
                }
            }
        }
        // No match: still report a malformed remainder of the pattern.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next unbracketed, unescaped `*`:
/// `(star, chunk, rest)`.
fn scan_chunk(pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let stars = pattern.iter().take_while(|&&c| c == b'*').count();
    let pattern = pattern.get(stars..).unwrap_or_default();
    let mut in_range = false;
    let mut i = 0;
    while let Some(&c) = pattern.get(i) {
        match c {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    let (chunk, rest) = pattern.split_at(i.min(pattern.len()));
    (stars > 0, chunk, rest)
}

/// Matches `chunk` (no `*`) at the start of `s`: `Some(rest of s)` on a match. The whole
/// chunk is always read, so a malformed one is an error even after a mismatch.
fn match_chunk<'s>(mut chunk: &[u8], mut s: &'s [u8]) -> Result<Option<&'s [u8]>, BadPattern> {
    let mut failed = false;
    while let Some((&c, after)) = chunk.split_first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            b'[' => {
                let mut r = 0u32;
                if !failed {
                    let (rune, n) = decode_rune(s);
                    r = rune;
                    s = s.get(n..).unwrap_or_default();
                }
                chunk = after;
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = chunk.get(1..).unwrap_or_default();
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if ranges > 0 && chunk.first() == Some(&b']') {
                        chunk = chunk.get(1..).unwrap_or_default();
                        break;
                    }
                    let (lo, rest) = range_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = range_char(chunk.get(1..).unwrap_or_default())?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.first() == Some(&b'/') {
                        failed = true;
                    }
                    let (_, n) = decode_rune(s);
                    s = s.get(n..).unwrap_or_default();
                }
                chunk = after;
            }
            _ => {
                let (literal, rest) = if c == b'\\' {
                    match after.split_first() {
                        Some((&escaped, rest)) => (escaped, rest),
                        None => return Err(BadPattern),
                    }
                } else {
                    (c, after)
                };
                if !failed {
                    if s.first() != Some(&literal) {
                        failed = true;
                    }
                    s = s.get(1..).unwrap_or_default();
                }
                chunk = rest;
            }
        }
    }
    Ok(if failed { None } else { Some(s) })
}

/// One character of a character class (Go's `getEsc`): `(rune, rest)`. Errors on an empty
/// class, a bare `-` or `]`, a trailing `\`, or a class that never closes.
fn range_char(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let chunk = match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => match chunk.get(1..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => return Err(BadPattern),
        },
        Some(_) => chunk,
    };
    let (rune, n) = decode_rune(chunk);
    if rune == u32::from(char::REPLACEMENT_CHARACTER) && n == 1 {
        return Err(BadPattern);
    }
    let rest = chunk.get(n..).unwrap_or_default();
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((rune, rest))
}

/// Go's `utf8.DecodeRune`: the first character and its length, or U+FFFD and 1 for an
/// invalid sequence (names here are ASCII, so this is one byte in practice).
fn decode_rune(b: &[u8]) -> (u32, usize) {
    for n in 1..=b.len().min(4) {
        if let Some(c) = b
            .get(..n)
            .and_then(|p| std::str::from_utf8(p).ok())
            .and_then(|p| p.chars().next())
        {
            return (u32::from(c), n);
        }
    }
    (u32::from(char::REPLACEMENT_CHARACTER), 1)
}

#[cfg(test)]
mod tests {
    use super::path_match;

    /// Go's path/match_test.go table.
    #[test]
    fn go_path_match_table() {
        let table: &[(&str, &str, Result<bool, ()>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(())),
            ("[-]", "-", Err(())),
            ("[x-]", "x", Err(())),
            ("[x-]", "-", Err(())),
            ("[x-]", "z", Err(())),
            ("[-x]", "x", Err(())),
            ("[-x]", "-", Err(())),
            ("[-x]", "a", Err(())),
            ("\\", "a", Err(())),
            ("[a-b-c]", "a", Err(())),
            ("[", "a", Err(())),
            ("[^", "a", Err(())),
            ("[^bc", "a", Err(())),
            ("a[", "a", Err(())),
            ("a[", "ab", Err(())),
            ("a[", "x", Err(())),
            ("a/b[", "x", Err(())),
            ("*x", "xxx", Ok(true)),
        ];
        for (pattern, name, want) in table {
            let got = path_match(pattern, name).map_err(|_| ());
            assert_eq!(got, *want, "Match({pattern:?}, {name:?})");
        }
    }
}
