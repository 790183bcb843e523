//! Token scopes, distribution's `docs/spec/auth/scope.md`:
//!
//! ```text
//! scope             := resourcescope [ ' ' resourcescope ]*
//! resourcescope     := resourcetype ":" resourcename ":" action [ ',' action ]*
//! resourcetype      := resourcetypevalue [ '(' resourcetypevalue ')' ]
//! resourcetypevalue := /[a-z0-9]+/
//! resourcename      := [ hostname '/' ] component [ '/' component ]*
//! hostname          := hostcomponent ['.' hostcomponent]* [':' port-number]
//! hostcomponent     := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! port-number       := /[0-9]+/
//! action            := /[a-z*]*/
//! component         := alpha-numeric [ separator alpha-numeric ]*
//! alpha-numeric     := /[a-z0-9]+/
//! separator         := /[_.]|__|[-]*/
//! ```
//!
//! The name may hold one `:` (a port in its hostname), so a scope splits at its first and last
//! colons, not into the first three `:`-separated parts (the spec's note). Empty actions
//! (`repository:a/b:` or `pull,,push`) are dropped; the resource class is deprecated upstream
//! but still parsed.

use serde::{Deserialize, Serialize};

use crate::ratelimit::HeaderError;

/// One resource scope: `resourcetype[(class)]:name:actions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    /// The resource type (`repository`, `registry`).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The deprecated resource class (`plugin` in `repository(plugin)`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub class: Option<String>,
    /// The resource name (`library/alpine`, `registry.example:5000/team/app`, `catalog`).
    pub name: String,
    /// The actions (`pull`, `push`, `*`), possibly none.
    pub actions: Vec<String>,
}

/// Parses one scope (API.md `parseScope`).
///
/// ```
/// use pullgate::auth::parse_scope;
/// let s = parse_scope("repository:localhost:5000/foo/bar:pull,push").unwrap();
/// assert_eq!(s.name, "localhost:5000/foo/bar");
/// assert_eq!(s.actions, ["pull", "push"]);
/// assert!(parse_scope("repository:foo").is_err());
/// ```
pub fn parse_scope(s: &str) -> Result<Scope, HeaderError> {
    let err = |reason: &str| HeaderError::scope(s, reason);
    let (Some(first), Some(last)) = (s.find(':'), s.rfind(':')) else {
        return Err(err("expected resourcetype:name:actions"));
    };
    if first == last {
        return Err(err("expected resourcetype:name:actions"));
    }
    let rtype = s.get(..first).unwrap_or_default();
    let name = s.get(first + 1..last).unwrap_or_default();
    let actions = s.get(last + 1..).unwrap_or_default();

    let (resource_type, class) = match rtype.split_once('(') {
        Some((t, rest)) => match rest.strip_suffix(')') {
            Some(c) => (t, Some(c)),
            None => return Err(err("invalid resource type")),
        },
        None => (rtype, None),
    };
    let type_value = |v: &str| {
        !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if !type_value(resource_type) || !class.map_or(true, type_value) {
        return Err(err("invalid resource type"));
    }
    if name.matches(':').count() > 1 {
        return Err(err("expected resourcetype:name:actions"));
    }
    valid_name(name).map_err(err)?;
    let actions: Vec<String> = actions
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| {
            if a.bytes().all(|b| b.is_ascii_lowercase() || b == b'*') {
                Ok(a.to_owned())
            } else {
                Err(HeaderError::scope(s, format!("invalid action {a:?}")))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(Scope {
        resource_type: resource_type.to_owned(),
        class: class.map(str::to_owned),
        name: name.to_owned(),
        actions,
    })
}

/// Parses a space-separated list of scopes (API.md `parseScopes`), as in a challenge's
/// `scope` parameter; runs of whitespace are one separator and an empty list is no scopes.
///
/// ```
/// let s = pullgate::auth::parse_scopes("repository:a/b:pull registry:catalog:*").unwrap();
/// assert_eq!(s.len(), 2);
/// ```
pub fn parse_scopes(s: &str) -> Result<Vec<Scope>, HeaderError> {
    s.split_ascii_whitespace().map(parse_scope).collect()
}

/// Formats a scope (API.md `formatScope`): `type[(class)]:name:action,action`.
///
/// ```
/// use pullgate::auth::{format_scope, parse_scope};
/// let text = "repository(plugin):vieux/sshfs:pull";
/// assert_eq!(format_scope(&parse_scope(text).unwrap()), text);
/// ```
pub fn format_scope(scope: &Scope) -> String {
    let mut out = scope.resource_type.clone();
    if let Some(c) = &scope.class {
        out.push('(');
        out.push_str(c);
        out.push(')');
    }
    out.push(':');
    out.push_str(&scope.name);
    out.push(':');
    out.push_str(&scope.actions.join(","));
    out
}

/// `resourcename := [ hostname '/' ] component [ '/' component ]*`
fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty resource name");
    }
    let mut segments = name.split('/');
    let first = segments.next().unwrap_or_default();
    let more = name.contains('/');
    if !(is_component(first) || more && is_hostname(first)) {
        return Err(if first.contains(':') && !more {
            "a host:port must be followed by a path"
        } else {
            "invalid resource name"
        });
    }
    if segments.all(is_component) {
        Ok(())
    } else {
        Err("invalid resource name")
    }
}

/// `hostname := hostcomponent ['.' hostcomponent]* [':' port-number]`
fn is_hostname(s: &str) -> bool {
    let (host, port) = match s.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    let host_ok = host.split('.').all(|c| {
        let b = c.as_bytes();
        match (b.first(), b.last()) {
            (Some(f), Some(l)) => {
                f.is_ascii_alphanumeric()
                    && l.is_ascii_alphanumeric()
                    && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
            }
            _ => false,
        }
    });
    host_ok
        && port.map_or(true, |p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
        })
}

/// `component := alpha-numeric [ separator alpha-numeric ]*` with
/// `separator := /[_.]|__|[-]*/`.
fn is_component(s: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = s.as_bytes();
    if !(b.first().is_some_and(|c| alnum(*c)) && b.last().is_some_and(|c| alnum(*c))) {
        return false;
    }
    s.split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.bytes().all(|c| c == b'-'))
}
