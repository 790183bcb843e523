//! [`parse_rate_limit`]: the decoding rules are in the module documentation of
//! [`crate::ratelimit`].

use super::sf::{self, BareItem, Item, Member};
use super::{HeaderError, Policy, RateLimit, RateLimitFormat};

/// Longest combined field value accepted; real ones are tens of bytes, and the cap keeps the
/// duplicate-key checks of the structured-field parser cheap.
const MAX_FIELD_LEN: usize = 8192;

const LIMIT: &str = "ratelimit-limit";
const REMAINING: &str = "ratelimit-remaining";
const RESET: &str = "ratelimit-reset";
const POLICY: &str = "ratelimit-policy";
const RATELIMIT: &str = "ratelimit";
const SOURCE: &str = "docker-ratelimit-source";

/// The rate-limit fields of one response, combined per name.
#[derive(Default)]
struct Fields {
    limit: Option<String>,
    remaining: Option<String>,
    reset: Option<String>,
    policy: Option<String>,
    ratelimit: Option<String>,
    source: Option<String>,
}

impl Fields {
    fn slot(&mut self, name: &str) -> Option<(&'static str, &mut Option<String>)> {
        let name = name.trim();
        let pick = |n: &'static str| name.eq_ignore_ascii_case(n);
        if pick(LIMIT) {
            Some((LIMIT, &mut self.limit))
        } else if pick(REMAINING) {
            Some((REMAINING, &mut self.remaining))
        } else if pick(RESET) {
            Some((RESET, &mut self.reset))
        } else if pick(POLICY) {
            Some((POLICY, &mut self.policy))
        } else if pick(RATELIMIT) {
            Some((RATELIMIT, &mut self.ratelimit))
        } else if pick(SOURCE) {
            Some((SOURCE, &mut self.source))
        } else {
            None
        }
    }
}

/// Decodes the rate-limit headers of a response (API.md `parseRateLimit`).
///
/// `headers` are `(name, value)` pairs, names in any case; other headers are ignored.
/// Returns `Ok(None)` when no rate-limit header is present ("not limited"), and
/// [`HeaderError::InvalidHeader`] when one is present but malformed.
///
/// ```
/// use pullgate::ratelimit::{parse_rate_limit, RateLimitFormat};
/// let rl = parse_rate_limit([
///     ("ratelimit-limit", "100;w=21600"),
///     ("ratelimit-remaining", "76;w=21600"),
///     ("docker-ratelimit-source", "192.0.2.1"),
/// ])
/// .unwrap()
/// .unwrap();
/// assert_eq!((rl.limit, rl.remaining, rl.window_seconds), (Some(100), Some(76), Some(21600)));
/// assert_eq!(rl.format, RateLimitFormat::Docker);
/// assert_eq!(parse_rate_limit([("content-type", "text/plain")]).unwrap(), None);
/// ```
pub fn parse_rate_limit<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Option<RateLimit>, HeaderError> {
    let mut fields = Fields::default();
    for (name, value) in headers {
        if let Some((canonical, slot)) = fields.slot(name) {
            let value = value.trim_matches([' ', '\t']);
            match slot {
                Some(existing) => {
                    if existing.len() + value.len() + 2 > MAX_FIELD_LEN {
                        return Err(HeaderError::header(canonical, value, "value too long"));
                    }
                    existing.push_str(", ");
                    existing.push_str(value);
                }
                None => *slot = Some(value.to_owned()),
            }
        }
    }
    decode(&fields)
}

/// One policy while the result is assembled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Entry {
    name: Option<String>,
    limit: Option<u64>,
    remaining: Option<u64>,
    window: Option<u64>,
    reset: Option<u64>,
    unit: Option<String>,
}

fn decode(f: &Fields) -> Result<Option<RateLimit>, HeaderError> {
    if f.limit.is_none()
        && f.remaining.is_none()
        && f.reset.is_none()
        && f.policy.is_none()
        && f.ratelimit.is_none()
        && f.source.is_none()
    {
        return Ok(None);
    }
    for (name, value) in [
        (LIMIT, &f.limit),
        (REMAINING, &f.remaining),
        (RESET, &f.reset),
        (POLICY, &f.policy),
        (RATELIMIT, &f.ratelimit),
        (SOURCE, &f.source),
    ] {
        if let Some(v) = value {
            if v.len() > MAX_FIELD_LEN {
                return Err(HeaderError::header(name, v, "value too long"));
            }
        }
    }

    let source = match &f.source {
        Some(v) if v.is_empty() => return Err(HeaderError::header(SOURCE, v, "empty value")),
        Some(v) if v.bytes().any(|b| b < 0x20 || b == 0x7f) => {
            return Err(HeaderError::header(SOURCE, v, "control character"))
        }
        Some(v) => Some(v.clone()),
        None => None,
    };

    let mut entries: Vec<Entry> = Vec::new();
    let mut docker = source.is_some();

    // RateLimit-Limit / -Remaining / -Reset: Docker Hub's and drafts -00 to -06.
    let mut expiring: Option<Entry> = None;
    if f.limit.is_some() || f.remaining.is_some() || f.reset.is_some() {
        let mut e = Entry::default();
        let mut remaining_window = None;
        if let Some(v) = &f.limit {
            let items = items(LIMIT, v)?;
            let mut iter = items.iter();
            if let Some(first) = iter.next() {
                e.limit = Some(integer(LIMIT, v, &first.bare)?);
                e.window = window_param(LIMIT, v, first, false)?;
                docker |= e.window.is_some();
            }
            for policy in iter {
                entries.push(Entry {
                    limit: Some(integer(LIMIT, v, &policy.bare)?),
                    window: window_param(LIMIT, v, policy, true)?,
                    ..Entry::default()
                });
            }
        }
        if let Some(v) = &f.remaining {
            let item = single_item(REMAINING, v)?;
            e.remaining = Some(integer(REMAINING, v, &item.bare)?);
            remaining_window = window_param(REMAINING, v, &item, false)?;
            docker |= remaining_window.is_some();
        }
        if let Some(v) = &f.reset {
            let item = single_item(RESET, v)?;
            e.reset = Some(integer(RESET, v, &item.bare)?);
        }
        e.window = e.window.or(remaining_window);
        expiring = Some(e);
    }
    let legacy = expiring.is_some();

    // RateLimit-Policy: Integer items (-05 to -07) or named items (-08 and later).
    if let Some(v) = &f.policy {
        for item in items(POLICY, v)? {
            entries.push(policy_entry(v, &item)?);
        }
    }

    // RateLimit: -07's Dictionary or -08's List of named service limits.
    let mut service_limits: Vec<Entry> = Vec::new();
    if let Some(v) = &f.ratelimit {
        match service_limit_list(v) {
            Ok(list) => service_limits = list,
            Err(list_error) => match dictionary_limit(v)? {
                Some(e) => {
                    if expiring.is_none() {
                        expiring = Some(e);
                    }
                }
                None => return Err(list_error),
            },
        }
    }

    for sl in service_limits {
        let slot = entries.iter_mut().find(|e| {
            e.name.is_some() && e.name == sl.name && e.remaining.is_none() && e.reset.is_none()
        });
        match slot {
            Some(e) => {
                e.remaining = sl.remaining;
                e.reset = sl.reset;
            }
            None => entries.push(sl),
        }
    }

    if let Some(x) = expiring {
        let slot = entries.iter_mut().find(|e| {
            x.limit.is_some()
                && e.limit == x.limit
                && (x.window.is_none() || e.window.is_none() || e.window == x.window)
                && (e.remaining.is_none() || x.remaining.is_none() || e.remaining == x.remaining)
                && (e.reset.is_none() || x.reset.is_none() || e.reset == x.reset)
        });
        match slot {
            Some(e) => {
                e.remaining = e.remaining.or(x.remaining);
                e.reset = e.reset.or(x.reset);
                e.window = x.window.or(e.window);
            }
            None => entries.insert(0, x),
        }
    }

    let format = if docker {
        RateLimitFormat::Docker
    } else if legacy {
        RateLimitFormat::Ietf
    } else {
        RateLimitFormat::IetfStructured
    };

    let top = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.remaining.map(|r| (r, i)))
        .min()
        .map(|(_, i)| i)
        .unwrap_or(0);
    let mut rl = RateLimit {
        limit: None,
        remaining: None,
        window_seconds: None,
        reset: None,
        source,
        unit: None,
        policies: None,
        format,
    };
    if let Some(e) = entries.get(top) {
        rl.limit = e.limit;
        rl.remaining = e.remaining;
        rl.window_seconds = e.window;
        rl.reset = e.reset;
        rl.unit = e.unit.clone();
    }
    if entries.len() > 1 {
        rl.policies = Some(
            entries
                .into_iter()
                .map(|e| Policy {
                    name: e.name,
                    limit: e.limit,
                    remaining: e.remaining,
                    window_seconds: e.window,
                    reset: e.reset,
                    unit: e.unit,
                })
                .collect(),
        );
    }
    Ok(Some(rl))
}

/// The members of a List field, all Items, at least one.
#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn items(name: &str, value: &str) -> Result<Vec<Item>, HeaderError> {
    let members = sf::parse_list(value).map_err(|e| HeaderError::header(name, value, e))?;
    if members.is_empty() {
        return Err(HeaderError::header(name, value, "empty value"));
    }
    members
        .into_iter()
        .map(|m| match m {
            Member::Item(item) => Ok(item),
            Member::InnerList(..) => Err(HeaderError::header(name, value, "unexpected inner list")),
        })
        .collect()
}

/// A field that holds exactly one Item (a repeated field is malformed: the drafts say it
/// MUST NOT occur multiple times).
#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn single_item(name: &str, value: &str) -> Result<Item, HeaderError> {
    let mut items = items(name, value)?;
    match (items.pop(), items.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(HeaderError::header(name, value, "more than one value")),
    }
}

#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn integer(name: &str, value: &str, bare: &BareItem) -> Result<u64, HeaderError> {
    match bare {
        BareItem::Integer(n) if *n >= 0 => Ok(n.unsigned_abs()),
        BareItem::Integer(_) => Err(HeaderError::header(name, value, "negative integer")),
        _ => Err(HeaderError::header(
            name,
            value,
            "expected a non-negative integer",
        )),
    }
}

#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn int_param(name: &str, value: &str, item: &Item, key: &str) -> Result<Option<u64>, HeaderError> {
    match item.param(key) {
        None => Ok(None),
        Some(BareItem::Integer(n)) if *n >= 0 => Ok(Some(n.unsigned_abs())),
        Some(_) => Err(HeaderError::header(
            name,
            value,
            format!("parameter {key} must be a non-negative integer"),
        )),
    }
}

/// The `w` parameter; quota policies (`RateLimit-Limit` members after the first) must have it.
#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn window_param(
    name: &str,
    value: &str,
    item: &Item,
    required: bool,
) -> Result<Option<u64>, HeaderError> {
    let w = int_param(name, value, item, "w")?;
    if required && w.is_none() {
        return Err(HeaderError::header(name, value, "quota policy without w"));
    }
    Ok(w)
}

fn name_of(bare: &BareItem) -> Option<&str> {
    match bare {
        BareItem::String(s) | BareItem::Token(s) => Some(s),
        _ => None,
    }
}

#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn policy_entry(value: &str, item: &Item) -> Result<Entry, HeaderError> {
    let w = int_param(POLICY, value, item, "w")?;
    if let BareItem::Integer(_) = item.bare {
        return Ok(Entry {
            limit: Some(integer(POLICY, value, &item.bare)?),
            window: w,
            ..Entry::default()
        });
    }
    let Some(name) = name_of(&item.bare) else {
        return Err(HeaderError::header(
            POLICY,
            value,
            "policy must be a string, a token or an integer",
        ));
    };
    let q = int_param(POLICY, value, item, "q")?;
    if q.is_none() {
        return Err(HeaderError::header(
            POLICY,
            value,
            format!("policy {name:?} without q"),
        ));
    }
    let unit = match item.param("qu") {
        None => "requests".to_owned(),
        Some(BareItem::String(u) | BareItem::Token(u)) => u.clone(),
        Some(_) => {
            return Err(HeaderError::header(
                POLICY,
                value,
                "parameter qu must be a string",
            ))
        }
    };
    Ok(Entry {
        name: Some(name.to_owned()),
        limit: q,
        window: w,
        unit: Some(unit),
        ..Entry::default()
    })
}

/// -08's `RateLimit: "default";r=76;t=30`.
#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn service_limit_list(value: &str) -> Result<Vec<Entry>, HeaderError> {
    let mut out = Vec::new();
    for item in items(RATELIMIT, value)? {
        let Some(name) = name_of(&item.bare) else {
            return Err(HeaderError::header(
                RATELIMIT,
                value,
                "service limit must name its policy with a string or a token",
            ));
        };
        out.push(Entry {
            name: Some(name.to_owned()),
            remaining: int_param(RATELIMIT, value, &item, "r")?,
            reset: int_param(RATELIMIT, value, &item, "t")?,
            ..Entry::default()
        });
    }
    Ok(out)
}

/// -07's `RateLimit: limit=10, remaining=1, reset=7`, if the value is that Dictionary.
#[inline(never)] // decode calls it several times: one copy, not one per call (issue 4, size)
fn dictionary_limit(value: &str) -> Result<Option<Entry>, HeaderError> {
    let Ok(dict) = sf::parse_dictionary(value) else {
        return Ok(None);
    };
    let mut e = Entry::default();
    let mut any = false;
    for (key, member) in &dict {
        let slot = match key.as_str() {
            "limit" => &mut e.limit,
            "remaining" => &mut e.remaining,
            "reset" => &mut e.reset,
            _ => continue,
        };
        match member {
            Member::Item(item) => *slot = Some(integer(RATELIMIT, value, &item.bare)?),
            Member::InnerList(..) => {
                return Err(HeaderError::header(
                    RATELIMIT,
                    value,
                    format!("{key} must be a non-negative integer"),
                ))
            }
        }
        any = true;
    }
    Ok(any.then_some(e))
}
