//! RFC 3339 `date-time` validation, shared by the token responses ([`crate::auth`]) and image
//! configs ([`crate::manifest`]), which differ only in the case of the `T` and `Z` letters.

/// Which case the `T` separator and the `Z` offset may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Letters {
    /// Upper case only: Go's `time.RFC3339` layout, which distribution's token code parses
    /// `issued_at` with.
    Upper,
    /// Either case, as RFC 3339 section 5.6 allows (JSON Schema's `date-time` format).
    AnyCase,
}

/// An RFC 3339 `date-time`: `YYYY-MM-DD` `T` `HH:MM:SS` [`.` fraction] (`Z` | `+HH:MM` |
/// `-HH:MM`), with the day checked against the month (leap years included). A leap second
/// (`:60`) is refused, as Go's `time.Parse` refuses it. `letters` says whether `t` and `z`
/// may be lower case.
pub(crate) fn is_date_time(s: &str, letters: Letters) -> bool {
    let any_case = letters == Letters::AnyCase;
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day)) = (digits(0, 4), digits(5, 2), digits(8, 2)) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && (at(10, b'T') || (any_case && at(10, b't')))) {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) = (digits(11, 2), digits(14, 2), digits(17, 2))
    else {
        return false;
    };
    if !(at(13, b':') && at(16, b':')) {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let fraction = b.get(i + 1..).map_or(0, |rest| {
            rest.iter().take_while(|d| d.is_ascii_digit()).count()
        });
        if fraction == 0 {
            return false;
        }
        i += 1 + fraction;
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'z') if any_case => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let (Some(h), Some(m)) = (digits(i + 1, 2), digits(i + 4, 2)) else {
                return false;
            };
            at(i + 3, b':') && h <= 23 && m <= 59 && i + 6 == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert!(is_date_time("2024-02-29t23:59:59z", Letters::AnyCase));
        assert!(!is_date_time("2024-02-29t23:59:59Z", Letters::Upper));
        assert!(!is_date_time("2024-02-29T23:59:59z", Letters::Upper));
        assert!(is_date_time("2024-02-29T23:59:59.5-07:00", Letters::Upper));
        assert!(!is_date_time("2023-02-29T00:00:00Z", Letters::Upper));
    }
}
