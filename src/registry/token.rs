//! Bearer tokens cached per scope until they expire.
//!
//! The expiry is distribution's (`registry/client/auth/session.go`): `issued_at` (or the time
//! of the exchange when absent) plus `expires_in`, which [`parse_token_response`] has already
//! raised to at least 60 seconds. An `issued_at` in the future (the token server's clock runs
//! ahead) counts from the exchange instead, so a skewed clock can only shorten a token's life
//! here. [`EXPIRY_MARGIN_MS`] before that, the token is dropped, so none is sent as it
//! expires in flight.

use crate::auth::{parse_token_response, HeaderError};

/// How long before its expiry a token stops being used: a request and its retry fit in it.
pub const EXPIRY_MARGIN_MS: u64 = 5_000;

/// The most scopes remembered: a client touches a handful of repositories; a bound keeps a
/// long-lived one (a gateway, a crawler) from growing without end.
pub const MAX_CACHED_TOKENS: usize = 64;

/// Bearer tokens by scope string (`repository:library/alpine:pull`), each until its expiry.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    scope: String,
    token: String,
    /// Milliseconds since the Unix epoch after which the token is not used.
    use_until: u64,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    /// The cached token for `scope`, unless it is within [`EXPIRY_MARGIN_MS`] of expiring at
    /// `now_ms` (milliseconds since the Unix epoch).
    pub fn get(&self, scope: &str, now_ms: u64) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.scope == scope && now_ms < e.use_until)
            .map(|e| e.token.as_str())
    }

    /// Decodes a token server's response (distribution's token spec) received at `now_ms`,
    /// caches its token for `scope`, and returns the token. The token is returned even when
    /// it would already be expired by the local clock: it is what the server just issued for
    /// the retry at hand, it is only not kept for later requests.
    ///
    /// Errors: `HEADER_INVALID` for a response that is not a token response.
    pub fn insert_response(
        &mut self,
        scope: &str,
        body: &str,
        now_ms: u64,
    ) -> Result<String, HeaderError> {
        let response = parse_token_response(body)?;
        let issued = response
            .issued_at
            .as_deref()
            .and_then(unix_millis)
            .filter(|&t| t <= now_ms)
            .unwrap_or(now_ms);
        let expires = issued.saturating_add(response.expires_in.saturating_mul(1000));
        self.insert(scope, &response.token, expires, now_ms);
        Ok(response.token)
    }

    /// Caches `token` for `scope` until `expires_ms` (less the margin). Expired entries are
    /// dropped first; when the cache is still full, the entry that expires soonest goes.
    pub fn insert(&mut self, scope: &str, token: &str, expires_ms: u64, now_ms: u64) {
        self.entries
            .retain(|e| e.scope != scope && now_ms < e.use_until);
        let use_until = expires_ms.saturating_sub(EXPIRY_MARGIN_MS);
        if use_until <= now_ms {
            return;
        }
        if self.entries.len() >= MAX_CACHED_TOKENS {
            if let Some(soonest) =
                (0..self.entries.len()).min_by_key(|&i| self.entries[i].use_until)
            {
                self.entries.swap_remove(soonest);
            }
        }
        self.entries.push(Entry {
            scope: scope.to_owned(),
            token: token.to_owned(),
            use_until,
        });
    }

    /// How many tokens are held (expired ones included until the next insert).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no token is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 `date-time` (as [`parse_token_response`]
/// has checked it), or `None` before 1970 or past what a `u64` holds.
pub fn unix_millis(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut at = 19;
    let mut millis = 0;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..]
            .iter()
            .take_while(|d| d.is_ascii_digit())
            .count();
        // Milliseconds from the first three fraction digits, right-padded.
        for i in 0..3 {
            millis = millis * 10 + if i < digits { num(at + 1 + i, 1)? } else { 0 };
        }
        at += 1 + digits;
    }
    let offset = match b.get(at)? {
        b'Z' | b'z' => 0,
        &sign @ (b'+' | b'-') => {
            let minutes = num(at + 1, 2)? * 60 + num(at + 4, 2)?;
            if sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil (proleptic Gregorian).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // A leap second (":60") reads as the first second of the next minute.
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    u64::try_from(seconds.checked_mul(1000)?.checked_add(millis)?).ok()
}
