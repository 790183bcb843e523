//! The `Link` header (RFC 8288 §3) as distribution pages `/v2/_catalog` and
//! `/v2/<name>/tags/list` with it: `</v2/_catalog?last=b&n=2>; rel="next"`.
//!
//! ```text
//! Link       = #link-value
//! link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//! link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
//! ```
//!
//! `rel` holds space-separated relation types, compared case-insensitively (§3.3); only the
//! first `rel` of a link-value counts. Commas inside `<…>` and quoted strings do not separate
//! link-values.

/// The target of the first link-value whose `rel` includes `next`, as written (unresolved).
/// `None` when there is none; `Err` when the field value does not follow the grammar.
///
/// Bytes, not chars: every delimiter is ASCII, so a UTF-8 target or quoted string passes
/// through untouched (and the wasm stays small).
pub(crate) fn next_target(value: &str) -> Result<Option<&str>, ()> {
    let b = value.as_bytes();
    let mut i = 0;
    loop {
        i = skip(b, i, b" \t,");
        if i == b.len() {
            return Ok(None);
        }
        if b[i] != b'<' {
            return Err(());
        }
        let close = i + 1 + b[i + 1..].iter().position(|&c| c == b'>').ok_or(())?;
        let target = value.get(i + 1..close).ok_or(())?;
        i = close + 1;
        let mut rel: Option<bool> = None; // whether the first `rel` includes `next`
        loop {
            i = skip(b, i, b" \t");
            if b.get(i) != Some(&b';') {
                break;
            }
            i = skip(b, i + 1, b" \t");
            let name = i;
            i = skip_while(b, i, is_tchar);
            if i == name {
                return Err(());
            }
            let is_rel = b[name..i].eq_ignore_ascii_case(b"rel");
            i = skip(b, i, b" \t");
            let mut next = false;
            if b.get(i) == Some(&b'=') {
                i = skip(b, i + 1, b" \t");
                let (text, end) = param_value(b, i)?;
                i = end;
                // rel's relation types are space-separated (RFC 8288 §3.3).
                next = text
                    .split(|&c| c == b' ' || c == b'\t')
                    .any(|t| t.eq_ignore_ascii_case(b"next"));
            }
            if is_rel && rel.is_none() {
                rel = Some(next);
            }
        }
        if i < b.len() && b[i] != b',' {
            return Err(());
        }
        if rel == Some(true) {
            return Ok(Some(target));
        }
    }
}

/// A `token` or `quoted-string` (RFC 9110 §5.6.4, `\` escaping the next byte) at `i`: its
/// text and the index after it.
fn param_value(b: &[u8], i: usize) -> Result<(Vec<u8>, usize), ()> {
    if b.get(i) != Some(&b'"') {
        let end = skip_while(b, i, is_tchar);
        return if end == i {
            Err(())
        } else {
            Ok((b[i..end].to_vec(), end))
        };
    }
    let mut text = Vec::new();
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'"' => return Ok((text, j + 1)),
            b'\\' => {
                text.push(*b.get(j + 1).ok_or(())?);
                j += 2;
            }
            c => {
                text.push(c);
                j += 1;
            }
        }
    }
    Err(()) // unterminated
}

fn skip(b: &[u8], i: usize, set: &[u8]) -> usize {
    skip_while(b, i, |c| set.contains(&c))
}

fn skip_while(b: &[u8], mut i: usize, f: impl Fn(u8) -> bool) -> usize {
    while b.get(i).is_some_and(|&c| f(c)) {
        i += 1;
    }
    i
}

/// RFC 9110 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}
