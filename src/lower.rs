//! Unicode's simple lower-case mapping (one character for one), as Go's `unicode.ToLower`
//! applies it in `strings.ToLower`, from a compact table that build.rs derives from std's own
//! `char::to_lowercase` (std's flat table is about 9 KB larger in the wasm; issue 4, size).

include!(concat!(env!("OUT_DIR"), "/lower.rs"));

/// The first character of `c.to_lowercase()`: `İ` (U+0130) is `i`, `Σ` is `σ`.
pub(crate) fn simple_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let cp = u32::from(c);
    let after = LOWER_RUNS.partition_point(|&(start, ..)| start <= cp);
    let Some(&(start, count, stride, offset)) =
        after.checked_sub(1).and_then(|i| LOWER_RUNS.get(i))
    else {
        return c;
    };
    let (step, at) = (u32::from(stride), cp - start);
    if at % step != 0 || at / step >= u32::from(count) {
        return c;
    }
    char::from_u32(cp.wrapping_add_signed(offset)).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::simple_lower;

    #[test]
    fn every_character_maps_as_std_does() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let want = c.to_lowercase().next().unwrap();
            assert_eq!(simple_lower(c), want, "U+{:04X}", c as u32);
        }
    }
}
