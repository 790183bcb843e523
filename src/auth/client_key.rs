//! [`client_key`]: the key a per-client limit is counted under (DESIGN.md: "IPv6 keys are the
//! /64 prefix").
//!
//! * IPv4: the dotted quad as parsed. Octets with leading zeros (`010.0.0.1`) are refused:
//!   inet_aton reads them as octal, Go's `net.ParseIP` (since 1.17) and Rust's `Ipv4Addr`
//!   refuse them, so accepting them would let one client appear under two keys.
//! * IPv4-mapped IPv6 (`::ffff:192.0.2.1`): the IPv4 address, so a dual-stack front end
//!   counts a client once.
//! * Other IPv6: the first `ipv6_prefix` bits with the host bits zeroed, printed in RFC 5952
//!   canonical form (lowercase, no leading zeros, the longest run of two or more zero groups
//!   as `::`, the first on ties), always in hexadecimal groups.
//! * Zone identifiers (`fe80::1%eth0`), brackets, ports and surrounding whitespace are
//!   refused: the platform's header carries a bare address.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ratelimit::HeaderError;

/// The default IPv6 prefix length (DESIGN.md: the /64 a household or host usually gets).
pub const DEFAULT_IPV6_PREFIX: u8 = 64;

/// The limit key for a client address (API.md `clientKey`).
///
/// ```
/// use pullgate::auth::client_key;
/// assert_eq!(client_key("192.0.2.1", 64).unwrap(), "192.0.2.1");
/// assert_eq!(client_key("::ffff:192.0.2.1", 64).unwrap(), "192.0.2.1");
/// assert_eq!(client_key("2001:41d0:801:2000:abcd::1", 64).unwrap(), "2001:41d0:801:2000::");
/// assert!(client_key("fe80::1%eth0", 64).is_err());
/// ```
pub fn client_key(ip: &str, ipv6_prefix: u8) -> Result<String, HeaderError> {
    let err = |reason: &str| HeaderError::client_ip(ip, reason);
    if ipv6_prefix > 128 {
        return Err(HeaderError::client_ip(
            ip,
            format!("ipv6 prefix {ipv6_prefix} is over 128"),
        ));
    }
    if ip.contains('%') {
        return Err(err("zone identifiers are not allowed"));
    }
    if let Ok(v4) = ip.parse::<Ipv4Addr>() {
        return Ok(v4.to_string());
    }
    if let Ok(v6) = ip.parse::<Ipv6Addr>() {
        if let Some(v4) = v6.to_ipv4_mapped() {
            return Ok(v4.to_string());
        }
        let bits = u128::from(v6);
        let mask = match ipv6_prefix {
            0 => 0,
            n => u128::MAX << (128 - u32::from(n)),
        };
        return Ok(rfc5952(bits & mask));
    }
    if looks_like_octal_quad(ip) {
        return Err(err("ipv4 octets must not have leading zeros"));
    }
    Err(err("not an ip address"))
}

fn looks_like_octal_quad(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().any(|p| p.len() > 1 && p.starts_with('0'))
}

/// RFC 5952 §4 text form of an IPv6 address, hexadecimal groups only.
fn rfc5952(bits: u128) -> String {
    let groups: [u16; 8] = Ipv6Addr::from(bits).segments();
    // Longest run of zero groups (length >= 2), the first one on ties (§4.2.1-§4.2.3).
    let (mut best_start, mut best_len) = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        if groups.get(i) == Some(&0) {
            let start = i;
            while groups.get(i) == Some(&0) {
                i += 1;
            }
            if i - start > best_len {
                best_start = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let hex = |g: &[u16]| {
        g.iter()
            .map(|x| format!("{x:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best_len < 2 {
        return hex(&groups);
    }
    let head = groups.get(..best_start).map(hex).unwrap_or_default();
    let tail = groups
        .get(best_start + best_len..)
        .map(hex)
        .unwrap_or_default();
    format!("{head}::{tail}")
}
