//! `tests/fixtures/auth.json` (parseWwwAuthenticate, parseScope, parseScopes, formatScope,
//! parseTokenResponse, clientKey) and property tests.

mod common;

use common::fixtures::{fail, json, run, Outcome};
use proptest::prelude::*;
use pullgate::auth::{
    bearer_challenge, client_key, format_scope, parse_scope, parse_scopes, parse_token_response,
    parse_www_authenticate, token_response_from_value, Scope, DEFAULT_IPV6_PREFIX,
};
use serde_json::Value;

fn dispatch(f: &str, args: &[Value]) -> Option<Outcome> {
    let text = |i: usize| args[i].as_str().expect("string argument");
    Some(match f {
        "parseWwwAuthenticate" => parse_www_authenticate(text(0))
            .map(|c| json(&c))
            .map_err(fail),
        "parseScope" => parse_scope(text(0)).map(|s| json(&s)).map_err(fail),
        "parseScopes" => parse_scopes(text(0)).map(|s| json(&s)).map_err(fail),
        "formatScope" => {
            let scope: Scope = serde_json::from_value(args[0].clone()).expect("scope object");
            Ok(Value::String(format_scope(&scope)))
        }
        "parseTokenResponse" => match &args[0] {
            Value::String(s) => parse_token_response(s),
            other => token_response_from_value(other),
        }
        .map(|t| json(&t))
        .map_err(fail),
        "clientKey" => {
            let prefix = args
                .get(1)
                .and_then(|o| o.get("ipv6Prefix"))
                .and_then(Value::as_u64)
                .map_or(DEFAULT_IPV6_PREFIX, |p| p.min(255) as u8);
            client_key(text(0), prefix).map(Value::String).map_err(fail)
        }
        _ => return None,
    })
}

#[test]
fn fixtures() {
    let n = run("auth", dispatch);
    assert!(n >= 200);
}

#[test]
fn bearer_helpers() {
    let c = parse_www_authenticate(
        r#"Basic realm="x", Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull registry:catalog:*""#,
    )
    .unwrap();
    let b = bearer_challenge(&c).unwrap();
    assert_eq!(b.realm(), Some("https://auth.docker.io/token"));
    assert_eq!(b.service(), Some("registry.docker.io"));
    assert_eq!(b.param("SCOPE"), b.scope());
    let scopes = b.scopes().unwrap();
    assert_eq!(scopes.len(), 2);
    assert_eq!(scopes[0].name, "library/alpine");
    assert_eq!(c[0].scopes().unwrap(), vec![]);
    assert!(bearer_challenge(&c[..1]).is_none());
}

fn quote(v: &str) -> String {
    let mut s = String::from("\"");
    for ch in v.chars() {
        if ch == '"' || ch == '\\' {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('"');
    s
}

proptest! {
    #[test]
    fn challenges_round_trip(
        list in proptest::collection::vec(
            ("[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,8}",
             proptest::collection::btree_map("[a-z][a-z0-9_-]{0,6}", "[ !#-~\u{e9}]{0,12}", 0..4)),
            1..4)
    ) {
        let text = list
            .iter()
            .map(|(scheme, params)| {
                let ps: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", quote(v))).collect();
                if ps.is_empty() { scheme.clone() } else { format!("{scheme} {}", ps.join(", ")) }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let parsed = parse_www_authenticate(&text).unwrap();
        prop_assert_eq!(parsed.len(), list.len());
        for (c, (scheme, params)) in parsed.iter().zip(&list) {
            prop_assert_eq!(&c.scheme, &scheme.to_ascii_lowercase());
            let want: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            prop_assert_eq!(&c.params, &want);
        }
    }

    #[test]
    fn www_authenticate_never_panics(v in "\\PC{0,80}", w in "[A-Za-z =,\"\\\\/+.~_-]{0,60}") {
        let _ = parse_www_authenticate(&v);
        let _ = parse_www_authenticate(&w);
    }

    #[test]
    fn scopes_round_trip(
        t in "[a-z0-9]{1,10}",
        class in proptest::option::of("[a-z0-9]{1,6}"),
        host in proptest::option::of(("[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", proptest::option::of(0u16..))),
        comps in proptest::collection::vec("[a-z0-9]{1,4}(([._]|__|-{1,3})[a-z0-9]{1,4}){0,2}", 1..4),
        actions in proptest::collection::vec("[a-z*]{1,6}", 0..4),
    ) {
        let mut name = String::new();
        if let Some((h, port)) = &host {
            name.push_str(h);
            if let Some(p) = port { name.push_str(&format!(":{p}")); }
            name.push('/');
        }
        name.push_str(&comps.join("/"));
        let scope = Scope { resource_type: t, class, name, actions };
        let text = format_scope(&scope);
        let parsed = parse_scope(&text).unwrap();
        prop_assert_eq!(&parsed, &scope);
        prop_assert_eq!(format_scope(&parsed), text);
    }

    #[test]
    fn scope_parsing_never_panics(s in "\\PC{0,40}", t in "[a-z:/().,* -]{0,30}") {
        let _ = parse_scope(&s);
        let _ = parse_scopes(&t);
    }

    #[test]
    fn token_responses_never_panic(s in "\\PC{0,60}", n in any::<i64>(), tok in "\\PC{0,10}") {
        let _ = parse_token_response(&s);
        let body = serde_json::json!({"token": tok, "expires_in": n}).to_string();
        if let Ok(t) = parse_token_response(&body) {
            prop_assert!(t.expires_in >= 60);
        }
    }

    #[test]
    fn ipv4_keys_are_the_address(a in any::<[u8; 4]>(), prefix in 0u8..=128) {
        let ip = std::net::Ipv4Addr::from(a).to_string();
        prop_assert_eq!(client_key(&ip, prefix).unwrap(), ip.clone());
        let mapped = format!("::ffff:{ip}");
        prop_assert_eq!(client_key(&mapped, prefix).unwrap(), ip);
    }

    #[test]
    fn ipv6_keys_are_canonical_prefixes(bits in any::<u128>(), prefix in 0u8..=128) {
        let addr = std::net::Ipv6Addr::from(bits);
        prop_assume!(addr.to_ipv4_mapped().is_none());
        let key = client_key(&addr.to_string(), prefix).unwrap();
        let parsed: std::net::Ipv6Addr = key.parse().unwrap();
        let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
        prop_assert_eq!(u128::from(parsed), bits & mask);
        // Canonical: keying the key again gives the key, and it never uses dotted quads.
        if parsed.to_ipv4_mapped().is_none() {
            prop_assert_eq!(client_key(&key, prefix).unwrap(), key.clone());
        }
        prop_assert!(!key.contains('.'));
        prop_assert_eq!(key.to_ascii_lowercase(), key.clone());
    }

    #[test]
    fn client_keys_never_panic(s in "\\PC{0,50}", prefix in any::<u8>()) {
        let _ = client_key(&s, prefix);
    }
}
