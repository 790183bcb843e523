//! The single pass behind [`scan`](super::scan): structure, `path` and `tag` in one walk over
//! the name and tag, then the domain and the digest (grammar and go-digest's verdict) in one
//! walk each. See the module doc of `scan.rs` for why finding the structure first and checking
//! each part on its own is the grammar's leftmost-first match.

use super::scan::{Domain, ScanError, Spans, TAG_LENGTH_MAX};

/// What [`reference`] found: the spans, whether only the lower-cased path matches, and what
/// go-digest says of the digest (checked after the name, as upstream does).
pub(crate) struct Found {
    /// Offsets of the parts.
    pub(crate) spans: Spans,
    /// Whether a `path-component` held an uppercase letter.
    pub(crate) needs_lowercase: bool,
    /// go-digest's verdict on the digest (`Ok` without one).
    pub(crate) digest: Result<(), ScanError>,
}

// The `path` automaton (`path-component ['/' path-component]*`, with `path-component :=
// alpha-numeric [separator alpha-numeric]*` and `separator := /[_.]|__|[-]+/`). A state is
// the shift of its 5-bit field in a byte's `STEP` entry, which holds the next state for each
// current state: `next = (STEP[c] >> state) & STATE`.
/// At the start of a component or after `.`, `__` or `/`: an alpha-numeric must follow.
const START: u32 = 0;
/// In an alpha-numeric run: the only accepting state.
const ALNUM: u32 = 5;
/// After a single `_`.
const UNDERSCORE: u32 = 10;
/// After a run of `-`.
const DASH: u32 = 15;
/// No match, whatever follows.
const FAIL: u32 = 20;
const STATE: u32 = 31;
/// `/`, `:` or `@`: the bytes that delimit parts.
const DELIMITER: u32 = 1 << 25;
/// `[A-Z]`: the path matches only lower-cased.
const UPPERCASE: u32 = 1 << 26;
/// Not `[\w.-]`: no tag holds it.
const NOT_TAG: u32 = 1 << 27;

const fn step(start: u32, alnum: u32, underscore: u32, dash: u32) -> u32 {
    start << START | alnum << ALNUM | underscore << UNDERSCORE | dash << DASH | FAIL << FAIL
}

/// Per byte: the `path` automaton's transitions and the class bits above.
static STEP: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b'a'..=b'z' | b'0'..=b'9' => step(ALNUM, ALNUM, ALNUM, ALNUM),
            b'A'..=b'Z' => step(ALNUM, ALNUM, ALNUM, ALNUM) | UPPERCASE,
            b'.' => step(FAIL, START, FAIL, FAIL),
            b'_' => step(FAIL, UNDERSCORE, START, FAIL),
            b'-' => step(FAIL, DASH, FAIL, DASH),
            b'/' => step(FAIL, START, FAIL, FAIL) | DELIMITER | NOT_TAG,
            b':' | b'@' => step(FAIL, FAIL, FAIL, FAIL) | DELIMITER | NOT_TAG,
            _ => step(FAIL, FAIL, FAIL, FAIL) | NOT_TAG,
        };
        c += 1;
    }
    table
};

// The `domain` automaton (`domain := host [':' port-number]`, `host := domain-name | '['
// IPv6address ']'`, with upstream's `[a-fA-F0-9:]+` for the address), encoded as the `path`
// one is but with 6-bit fields in a u64: `next = (DOMAIN_STEP[c] >> state) & D_STATE`.
const D_BITS: u64 = 6;
const D_STATE: u64 = 63;
/// At the very start: a `domain-component` or a `[`.
const D_BEGIN: u64 = 0;
/// After a `.`: a `domain-component` must follow.
const D_START: u64 = D_BITS;
/// In a `domain-component`, after a letter or digit (accepting).
const D_ALNUM: u64 = 2 * D_BITS;
/// In a `domain-component`, after a `-`.
const D_DASH: u64 = 3 * D_BITS;
/// After the port's `:`.
const D_PORT_START: u64 = 4 * D_BITS;
/// In the port's digits (accepting).
const D_PORT: u64 = 5 * D_BITS;
/// After `[`.
const D_V6_START: u64 = 6 * D_BITS;
/// In the address, after at least one character.
const D_V6: u64 = 7 * D_BITS;
/// After `]` (accepting).
const D_V6_END: u64 = 8 * D_BITS;
/// No match, whatever follows.
const D_FAIL: u64 = 9 * D_BITS;
/// The accepting states, as bits `1 << state`.
const D_ACCEPT: u64 = 1 << D_ALNUM | 1 << D_PORT | 1 << D_V6_END;

/// The next states from `[D_BEGIN, D_START, D_ALNUM, D_DASH, D_PORT_START, D_PORT,
/// D_V6_START, D_V6, D_V6_END]`, in that order.
const fn domain_step(next: [u64; 9]) -> u64 {
    let mut entry = D_FAIL << D_FAIL;
    let mut i = 0;
    while i < 9 {
        entry |= next[i] << (i as u64 * D_BITS);
        i += 1;
    }
    entry
}

/// Per byte: the `domain` automaton's transitions.
static DOMAIN_STEP: [u64; 256] = {
    const F: u64 = D_FAIL;
    const A: u64 = D_ALNUM;
    let mut table = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b'0'..=b'9' => domain_step([A, A, A, A, D_PORT, D_PORT, D_V6, D_V6, F]),
            b'a'..=b'f' | b'A'..=b'F' => domain_step([A, A, A, A, F, F, D_V6, D_V6, F]),
            b'g'..=b'z' | b'G'..=b'Z' => domain_step([A, A, A, A, F, F, F, F, F]),
            b'-' => domain_step([F, F, D_DASH, D_DASH, F, F, F, F, F]),
            b'.' => domain_step([F, F, D_START, F, F, F, F, F, F]),
            b':' => domain_step([F, F, D_PORT_START, F, F, F, D_V6, D_V6, D_PORT_START]),
            b'[' => domain_step([D_V6_START, F, F, F, F, F, F, F, F]),
            b']' => domain_step([F, F, F, F, F, F, F, D_V6_END, F]),
            _ => domain_step([F; 9]),
        };
        c += 1;
    }
    table
};

/// `reference := name [ ":" tag ] [ "@" digest ]`, with `path` matched case-insensitively.
///
/// One pass over the name and tag runs the `path` automaton (restarted after the first `/`,
/// whose left side may be the domain: the `domain` automaton runs there too), and notes the
/// first `/`, the last `:` after the last `/` (the automaton's state and uppercase bits there
/// are the name's), and the class bits since that `:` (the tag's). Then the digest is checked
/// on its own. `needs_lowercase` is whether a `path-component` held an uppercase
/// letter: then only the lower-cased string matches, which upstream reports as
/// `ErrNameContainsUppercase`. (Every other production accepts both cases and lower-casing
/// keeps lengths, so this is exactly "the lower-cased input matches".)
pub(crate) fn reference(b: &[u8], domain: Domain) -> Option<Found> {
    const NONE: usize = usize::MAX;
    let end = b.len();
    let mut state = START;
    // Class bits since the first '/' (or the start), and since the last '/' or ':'.
    let (mut bits, mut part_bits) = (0u32, 0u32);
    // The first '/', whether the automaton accepted what was before it, and its bits.
    let (mut first_slash, mut first_ok, mut first_bits) = (NONE, false, 0u32);
    // The last ':' with no '/' after it, and the automaton's state and bits there.
    let (mut colon, mut colon_state, mut colon_bits) = (NONE, FAIL, 0u32);
    let mut at = end;
    // The first part, up to the first '/': the `domain` automaton runs beside the `path` one
    // (the two are independent, so the second costs little), as the part may be either.
    let mut domain_state = D_BEGIN;
    let mut domain_ok = false;
    let mut rest = end;
    for (i, &c) in b.iter().enumerate() {
        let k = STEP[usize::from(c)];
        let before = domain_state;
        domain_state = (DOMAIN_STEP[usize::from(c)] >> domain_state) & D_STATE;
        if k & DELIMITER == 0 {
            state = (k >> state) & STATE;
            bits |= k;
            part_bits |= k;
            continue;
        }
        match c {
            b'@' => {
                at = i;
                break;
            }
            b':' => {
                (colon, colon_state, colon_bits) = (i, state, bits);
                state = FAIL;
            }
            _ => {
                // Left of here is the domain or the first path-component.
                let first_state = (k >> state) & STATE;
                (first_slash, first_ok, first_bits) = (i, first_state == START, bits);
                domain_ok = D_ACCEPT & (1 << before) != 0;
                (state, bits, part_bits, colon, rest) = (START, 0, 0, NONE, i + 1);
                break;
            }
        }
        part_bits = 0;
    }
    // The rest (when the first part ended at a '/'): the `path` automaton alone.
    for (i, &c) in b.iter().enumerate().skip(rest) {
        let k = STEP[usize::from(c)];
        if k & DELIMITER == 0 {
            state = (k >> state) & STATE;
            bits |= k;
            part_bits |= k;
            continue;
        }
        match c {
            b'@' => {
                at = i;
                break;
            }
            b':' => {
                (colon, colon_state, colon_bits) = (i, state, bits);
                state = FAIL;
            }
            _ => {
                state = (k >> state) & STATE;
                colon = NONE;
            }
        }
        part_bits = 0;
    }
    let (name_end, name_state, name_bits) = if colon == NONE {
        (at, state, bits)
    } else {
        // tag := /[\w][\w.-]{0,127}/
        let tag = b.get(colon + 1..at)?;
        let first = *tag.first()?;
        if !(first == b'_' || first.is_ascii_alphanumeric())
            || tag.len() > TAG_LENGTH_MAX
            || part_bits & NOT_TAG != 0
        {
            return None;
        }
        (colon, colon_state, colon_bits)
    };
    // The name's path (all of it, or what follows the first '/') must be a `path`.
    if name_state != ALNUM {
        return None;
    }
    let path_upper = name_bits & UPPERCASE != 0;
    let (domain_end, path_start, needs_lowercase) = if first_slash == NONE {
        (0, 0, path_upper)
    } else if domain == Domain::Allowed && domain_ok {
        (first_slash, first_slash + 1, path_upper)
    } else if first_ok {
        (0, 0, path_upper || first_bits & UPPERCASE != 0)
    } else {
        return None;
    };
    let (digest_start, digest) = if at < end {
        (at + 1, verifiable_digest(b.get(at + 1..)?)?)
    } else {
        (end, Ok(()))
    };
    let spans = Spans {
        domain_end,
        path_start,
        name_end,
        tag_start: if colon == NONE { at } else { colon + 1 },
        tag_end: at,
        digest_start,
        end,
    };
    Some(Found {
        spans,
        needs_lowercase,
        digest,
    })
}

/// Digest byte classes.
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const ALGORITHM_SEPARATOR: u8 = 4;
const HEX: u8 = 8;
const UPPER: u8 = 16;

static DIGEST_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b'a'..=b'f' => LETTER | HEX,
            b'g'..=b'z' => LETTER,
            b'A'..=b'F' => LETTER | HEX | UPPER,
            b'G'..=b'Z' => LETTER | UPPER,
            b'0'..=b'9' => DIGIT | HEX,
            b'-' | b'_' | b'+' | b'.' => ALGORITHM_SEPARATOR,
            _ => 0,
        };
        c += 1;
    }
    table
};

/// The reference grammar's `digest` (`None` when it does not match) and, in the same pass,
/// go-digest's verdict on it (`Digest.Validate` after `Parse`, as the scan reports it): a
/// registered algorithm (`sha256`, `sha384`, `sha512`) needs exactly its length of lowercase
/// hex; any other algorithm that matches go-digest's lowercase `algorithm` production is
/// unsupported, and one with uppercase letters is malformed.
fn verifiable_digest(b: &[u8]) -> Option<Result<(), ScanError>> {
    // digest-algorithm := component [separator component]*, component := /[A-Za-z][A-Za-z0-9]*/
    let mut i = 0;
    let mut algorithm_bits = 0;
    'algorithm: loop {
        let k = DIGEST_CLASS[usize::from(*b.get(i)?)];
        if k & LETTER == 0 {
            return None;
        }
        algorithm_bits |= k;
        i += 1;
        loop {
            let c = *b.get(i)?;
            let k = DIGEST_CLASS[usize::from(c)];
            if k & (LETTER | DIGIT) != 0 {
                algorithm_bits |= k;
                i += 1;
            } else if c == b':' {
                break 'algorithm;
            } else if k & ALGORITHM_SEPARATOR != 0 {
                i += 1;
                continue 'algorithm;
            } else {
                return None;
            }
        }
    }
    let (algorithm, hex) = (b.get(..i)?, b.get(i + 1..)?);
    // digest-hex := /[0-9a-fA-F]{32,}/, and whether any is uppercase. The usual case, all
    // lowercase, is checked eight bytes at a time.
    let (mut all, mut any) = (HEX, 0);
    if !lower_hex(hex) {
        for &c in hex {
            let k = DIGEST_CLASS[usize::from(c)];
            all &= k;
            any |= k;
        }
    }
    if hex.len() < 32 || all & HEX == 0 {
        return None;
    }
    let registered_len = match algorithm {
        b"sha256" => 64,
        b"sha384" => 96,
        b"sha512" => 128,
        _ => 0,
    };
    Some(if registered_len != 0 {
        if hex.len() == registered_len && any & UPPER == 0 {
            Ok(())
        } else {
            Err(ScanError::DigestInvalidFormat)
        }
    } else if algorithm_bits & UPPER != 0 {
        Err(ScanError::DigestInvalidFormat)
    } else {
        Err(ScanError::DigestUnsupported)
    })
}

/// Whether every byte is `[0-9a-f]`, eight at a time (SWAR: a byte's high bit says whether
/// it is at least a bound, since no byte borrows from the next while all are ASCII).
fn lower_hex(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let at_least = |x: u64, bound: u8| ((x | HIGH) - ONES * u64::from(bound)) & HIGH;
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let x = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        let letter = at_least(x, b'a') & !at_least(x, b'f' + 1);
        if x & HIGH != 0 || digit | letter != HIGH {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::lower_hex;

    /// Every byte value at every position of a chunk and of the remainder, against the
    /// byte-at-a-time definition.
    #[test]
    fn lower_hex_agrees_with_bytes() {
        for len in [8, 16, 11] {
            for at in 0..len {
                for c in 0..=255u8 {
                    let mut b = vec![b'7'; len];
                    b[at] = c;
                    let expected = b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
                    assert_eq!(lower_hex(&b), expected, "{b:?}");
                }
            }
        }
    }
}
