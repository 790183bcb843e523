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
#[inline(never)] // one copy for every caller (wasm size)
pub(crate) fn next_target(value: &str) -> Result<Option<&str>, ()> {
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return Ok(None);
        }
        let inner = rest.strip_prefix('<').ok_or(())?;
        let close = inner.find('>').ok_or(())?;
        let target = &inner[..close];
        rest = &inner[close + 1..];
        let mut rel: Option<String> = None;
        loop {
            rest = rest.trim_start_matches([' ', '\t']);
            let Some(param) = rest.strip_prefix(';') else {
                break;
            };
            let (name, value, after) = link_param(param.trim_start_matches([' ', '\t']))?;
            rest = after;
            if name.eq_ignore_ascii_case("rel") && rel.is_none() {
                rel = Some(value.unwrap_or_default());
            }
        }
        if !(rest.is_empty() || rest.starts_with(',')) {
            return Err(());
        }
        let is_next =
            rel.is_some_and(|r| r.split([' ', '\t']).any(|t| t.eq_ignore_ascii_case("next")));
        if is_next {
            return Ok(Some(target));
        }
    }
}

/// One `token BWS [ "=" BWS ( token / quoted-string ) ]`: name, value, and the rest.
fn link_param(s: &str) -> Result<(&str, Option<String>, &str), ()> {
    let name_len = s.find(|c: char| !is_tchar(c)).unwrap_or(s.len());
    if name_len == 0 {
        return Err(());
    }
    let (name, rest) = s.split_at(name_len);
    let rest = rest.trim_start_matches([' ', '\t']);
    let Some(rest) = rest.strip_prefix('=') else {
        return Ok((name, None, rest));
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    if let Some(quoted) = rest.strip_prefix('"') {
        // quoted-string (RFC 9110 §5.6.4): `\` escapes the next character.
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((name, Some(value), &quoted[i + 1..])),
                '\\' => value.push(chars.next().ok_or(())?.1),
                c => value.push(c),
            }
        }
        return Err(()); // unterminated
    }
    let len = rest.find(|c: char| !is_tchar(c)).unwrap_or(rest.len());
    if len == 0 {
        return Err(());
    }
    Ok((name, Some(rest[..len].to_owned()), &rest[len..]))
}

/// RFC 9110 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}
