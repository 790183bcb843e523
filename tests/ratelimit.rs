//! `tests/fixtures/ratelimit.json` (parseRateLimit, classifyTooManyRequests), the producers,
//! and property tests of the rate-limit header decoder.

mod common;

use common::fixtures::{fail, header_pairs, json, run, Outcome};
use proptest::prelude::*;
use pullgate::ratelimit::{
    classify_too_many_requests, format_docker, format_policy, format_service_limit,
    parse_quota_setting, parse_rate_limit, too_many_requests_body, Quota, RateLimitFormat,
    TooManyKind,
};
use serde_json::Value;

fn dispatch(f: &str, args: &[Value]) -> Option<Outcome> {
    Some(match f {
        "parseRateLimit" => {
            let pairs = header_pairs(&args[0]);
            parse_rate_limit(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map(|r| json(&r))
                .map_err(fail)
        }
        "classifyTooManyRequests" => {
            let status = args[0].as_u64().expect("status") as u16;
            let body = args[1].as_str().expect("body");
            Ok(json(&classify_too_many_requests(status, body.as_bytes())))
        }
        _ => return None,
    })
}

#[test]
fn fixtures() {
    let n = run("ratelimit", dispatch);
    assert!(n >= 100);
}

#[test]
fn producers_round_trip_through_the_parser() {
    let limit = format_docker(100, 21600);
    let remaining = format_docker(76, 21600);
    let policy = format_policy("pulls", 100, 21600);
    let current = format_service_limit("pulls", 76, Some(120));
    let rl = parse_rate_limit([
        ("ratelimit-limit", limit.as_str()),
        ("ratelimit-remaining", remaining.as_str()),
        ("docker-ratelimit-source", "192.0.2.1"),
        ("ratelimit-policy", policy.as_str()),
        ("ratelimit", current.as_str()),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(rl.limit, Some(100));
    assert_eq!(rl.remaining, Some(76));
    assert_eq!(rl.window_seconds, Some(21600));
    assert_eq!(rl.reset, Some(120));
    assert_eq!(rl.policies, None);
    assert_eq!(rl.format, RateLimitFormat::Docker);
    // Names that need escaping still produce valid structured fields.
    let odd = format_policy("a \"b\" \\ c", 1, 2);
    let rl = parse_rate_limit([("ratelimit-policy", odd.as_str())])
        .unwrap()
        .unwrap();
    assert_eq!(rl.limit, Some(1));
}

#[test]
fn too_many_requests_body_is_a_pull_limit_body() {
    let body = too_many_requests_body("https://gw.example/limits?a=\"b\"");
    assert_eq!(
        classify_too_many_requests(429, body.as_bytes()),
        Some(TooManyKind::PullLimit)
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(msg.starts_with("You have reached your pull rate limit."));
    assert!(msg.ends_with("https://gw.example/limits?a=\"b\""));
}

#[test]
fn quota_settings() {
    let q = |v| parse_quota_setting("PULL_LIMIT", v);
    assert_eq!(
        q("100;w=21600").unwrap(),
        Quota {
            limit: 100,
            window_seconds: 21600
        }
    );
    assert_eq!(
        q(" 3000;w=60\n").unwrap(),
        Quota {
            limit: 3000,
            window_seconds: 60
        }
    );
    assert_eq!(
        q("0;w=1").unwrap(),
        Quota {
            limit: 0,
            window_seconds: 1
        }
    );
    for bad in [
        "",
        "100",
        "100;w=",
        ";w=60",
        "100;W=60",
        "100; w=60",
        "-1;w=60",
        "1e3;w=60",
        "100;w=60;x",
        "+5;w=60",
    ] {
        let e = q(bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid PULL_LIMIT setting {bad:?}: expected N;w=S, e.g. 100;w=21600")
        );
        assert_eq!(pullgate::ErrorCode::code(&e), "HEADER_INVALID");
    }
    assert_eq!(
        q("100;w=0").unwrap_err().to_string(),
        "invalid PULL_LIMIT setting \"100;w=0\": window must be at least 1 second"
    );
    assert_eq!(
        parse_quota_setting("REQUEST_LIMIT", "9999999999;w=60")
            .unwrap_err()
            .to_string(),
        "invalid REQUEST_LIMIT setting \"9999999999;w=60\": limit too large"
    );
}

#[test]
fn long_values_are_refused_and_quoted_short() {
    let long = format!("{};w=1", "1".repeat(9000));
    let e = parse_rate_limit([("ratelimit-limit", long.as_str())]).unwrap_err();
    let msg = e.to_string();
    assert!(msg.ends_with("...: value too long"), "{msg}");
    assert!(msg.len() < 300);
}

proptest! {
    #[test]
    fn docker_values_round_trip(n in 0u64..=999_999_999_999_999, r in 0u64..=999_999_999_999_999, w in 0u64..=999_999_999_999_999) {
        let (l, rem) = (format_docker(n, w), format_docker(r, w));
        let rl = parse_rate_limit([("RateLimit-Limit", l.as_str()), ("RateLimit-Remaining", rem.as_str())]).unwrap().unwrap();
        prop_assert_eq!((rl.limit, rl.remaining, rl.window_seconds), (Some(n), Some(r), Some(w)));
    }

    #[test]
    fn structured_values_round_trip(name in "[ -~]{0,20}", q in 0u64..1_000_000, w in 0u64..1_000_000, r in 0u64..1_000_000, t in proptest::option::of(0u64..1_000_000)) {
        let p = format_policy(&name, q, w);
        let s = format_service_limit(&name, r, t);
        let rl = parse_rate_limit([("RateLimit-Policy", p.as_str()), ("RateLimit", s.as_str())]).unwrap().unwrap();
        prop_assert_eq!((rl.limit, rl.remaining, rl.window_seconds, rl.reset), (Some(q), Some(r), Some(w), t));
    }

    #[test]
    fn arbitrary_headers_never_panic(name in prop::sample::select(vec!["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy", "ratelimit", "docker-ratelimit-source"]), value in "\\PC{0,60}", value2 in "[-0-9a-z;=,\"() :?*.]{0,40}") {
        let _ = parse_rate_limit([(name, value.as_str())]);
        let _ = parse_rate_limit([(name, value2.as_str()), ("ratelimit-policy", value2.as_str())]);
    }

    #[test]
    fn arbitrary_bodies_never_panic(status in any::<u16>(), body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let k = classify_too_many_requests(status, &body);
        prop_assert_eq!(k.is_some(), status == 429);
    }
}
