//! The registry client's rules (src/registry.rs): which URL gets which credentials, the token
//! dance, the token cache, Link pagination, redirects and the digest checks. The same rules run
//! against the real registry through the npm package in tests/js/registry.test.mjs.

use pullgate::registry::{
    basic_authorization, check_manifest, head_digest, next_page, realm_allowed, redirect_target,
    same_origin, scope_for_path, unix_millis, Answer, Origin, RegistryError, Session, TokenCache,
    EXPIRY_MARGIN_MS, MAX_CACHED_TOKENS,
};
use pullgate::ErrorCode;

const HELLO: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const ZEROS: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn origin(s: &str) -> Origin {
    Origin::parse(s).unwrap_or_else(|| panic!("{s} is an origin"))
}

#[test]
fn origins_serialize_as_whatwg_does() {
    for (input, want) in [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("HTTP://Registry.Example:80/v2/", "http://registry.example"),
        ("https://registry.example:443", "https://registry.example"),
        ("https://registry.example:80", "https://registry.example:80"),
        ("https://registry.example:", "https://registry.example"),
        ("http://[::1]:5000/x?y#z", "http://[::1]:5000"),
        ("http://h:00080", "http://h"),
    ] {
        assert_eq!(origin(input).to_string(), want, "{input}");
    }
    assert!(origin("https://a").is_https());
    assert!(!origin("http://a").is_https());
}

#[test]
fn urls_read_differently_by_whatwg_and_rfc_3986_are_refused() {
    for input in [
        "",
        "registry.example",
        "/v2/",
        "http:registry.example/v2/", // WHATWG: relative to an http base
        "http://evil\\@registry.example/", // WHATWG: host evil
        "http://user@registry.example/", // userinfo
        "http://registry.example\t/",
        "http://regi stry.example/",
        "http://%72egistry.example/", // WHATWG percent-decodes hosts
        "http://régistry.example/",   // WHATWG IDNA-maps hosts
        "http://registry.example:65536/",
        "http://registry.example:5x/",
        "http://[::1/",
        "http://[evil.example]/",
        "http:///v2/",
        "ftp://registry.example/",
    ] {
        assert_eq!(Origin::parse(input), None, "{input:?}");
    }
}

const REGISTRY: &str = "http://127.0.0.1:5000";
const TAGS: &str = "http://127.0.0.1:5000/v2/demo/many-tags/tags/list?n=2";

fn next(link: &str) -> Result<Option<String>, RegistryError> {
    next_page(Some(link), TAGS, &origin(REGISTRY))
}

#[test]
fn link_pagination_follows_rel_next_on_the_registry() {
    let cases = [
        // distribution's own form (registry/handlers/catalog.go, tags.go)
        (
            r#"</v2/demo/many-tags/tags/list?last=b&n=2>; rel="next""#,
            "/v2/demo/many-tags/tags/list?last=b&n=2",
        ),
        (
            "<?last=c&n=2>; rel=next",
            "/v2/demo/many-tags/tags/list?last=c&n=2",
        ),
        (
            "<list?last=d>;rel=NEXT",
            "/v2/demo/many-tags/tags/list?last=d",
        ),
        (
            "<../../x/tags/list?last=e>; rel=next",
            "/v2/demo/x/tags/list?last=e",
        ),
        (
            "<http://127.0.0.1:5000/v2/_catalog?last=f>; rel=next",
            "/v2/_catalog?last=f",
        ),
        ("<HTTP://127.0.0.1:5000/v2/a#frag>; rel=next", "/v2/a"),
        // several link-values; commas inside <> and quoted strings don't split them
        (
            r#"</v2/p?a,b>; rel="prev"; title="x, y", </v2/n?a,b>; rel="next""#,
            "/v2/n?a,b",
        ),
        (
            r#"</v2/n>; title="a \"q\" ;rel=prev"; rel="prev next""#,
            "/v2/n",
        ),
        (
            r#"</v2/first>; rel=next, </v2/second>; rel=next"#,
            "/v2/first",
        ),
        // only the first rel of a link-value counts (RFC 8288 §3.3)
        (
            r#"</v2/n>; rel=prev; rel=next, </v2/m>; rel="next""#,
            "/v2/m",
        ),
    ];
    for (link, path) in cases {
        assert_eq!(next(link), Ok(Some(format!("{REGISTRY}{path}"))), "{link}");
    }
    for last in [
        r#"</v2/p>; rel="prev""#,
        "",
        " , ",
        "</v2/p>",
        "</v2/p>; rel",
    ] {
        assert_eq!(next(last), Ok(None), "{last}");
    }
    assert_eq!(next_page(None, TAGS, &origin(REGISTRY)), Ok(None));
}

#[test]
fn link_pagination_to_another_origin_is_refused() {
    for (link, other) in [
        (
            "<http://127.0.0.2:5000/v2/x?last=a>; rel=next",
            "http://127.0.0.2:5000",
        ),
        (
            "<http://127.0.0.1:5001/v2/x>; rel=next",
            "http://127.0.0.1:5001",
        ),
        (
            "<https://127.0.0.1:5000/v2/x>; rel=next",
            "https://127.0.0.1:5000",
        ),
        ("<//evil.example/v2/x>; rel=next", "http://evil.example"),
        (
            "<http://evil.example#@127.0.0.1:5000/>; rel=next",
            "http://evil.example",
        ),
        (
            "<http://localhost:5000/v2/x>; rel=next",
            "http://localhost:5000",
        ),
    ] {
        let err = next(link).unwrap_err();
        assert_eq!(
            err,
            RegistryError::OffOriginLink {
                origin: other.into()
            },
            "{link}"
        );
        assert_eq!(err.code(), "REGISTRY_ERROR");
        assert_eq!(
            err.to_string(),
            format!("refusing Link pagination to another origin: {other}")
        );
    }
    for link in [
        "<http://127.0.0.1:5000@evil.example/>; rel=next",
        "<http://evil\\@127.0.0.1:5000/>; rel=next",
        "<ftp://127.0.0.1:5000/>; rel=next",
    ] {
        assert!(
            matches!(
                next(link),
                Err(RegistryError::InvalidUrl { header: "link", .. })
            ),
            "{link}"
        );
    }
    for malformed in [
        "/v2/x; rel=next",
        "</v2/x; rel=next",
        r#"</v2/x>; rel="next"#,
        "</v2/x> junk",
        "</v2/x>; =next",
    ] {
        assert_eq!(
            next(malformed),
            Err(RegistryError::InvalidLink {
                value: malformed.into()
            }),
            "{malformed}"
        );
    }
}

#[test]
fn token_realms_must_be_https_or_the_registry_itself() {
    let registry = origin(REGISTRY);
    assert_eq!(
        realm_allowed("https://auth.docker.io/token", &registry),
        Some(true)
    );
    assert_eq!(
        realm_allowed("http://127.0.0.1:5000/token", &registry),
        Some(true)
    );
    assert_eq!(
        realm_allowed("http://127.0.0.2:5000/token", &registry),
        Some(false)
    );
    assert_eq!(
        realm_allowed("http://127.0.0.1:5001/token", &registry),
        Some(false)
    );
    assert_eq!(realm_allowed("not a url", &registry), None);
}

#[test]
fn redirects_resolve_and_stay_on_http() {
    let blob = "http://127.0.0.1:5000/v2/demo/blobs/sha256:aa";
    assert_eq!(
        redirect_target("http://127.0.0.2:9000/b?sig=1", blob).as_deref(),
        Ok("http://127.0.0.2:9000/b?sig=1")
    );
    assert_eq!(
        redirect_target("/other", blob).as_deref(),
        Ok("http://127.0.0.1:5000/other")
    );
    assert_eq!(
        redirect_target("//cdn.example/x", blob).as_deref(),
        Ok("http://cdn.example/x")
    );
    for (location, scheme) in [
        ("ftp://x/y", "ftp"),
        ("javascript:alert(1)", "javascript"),
        ("DATA:text/plain,x", "data"),
    ] {
        let err = redirect_target(location, blob).unwrap_err();
        assert_eq!(
            err,
            RegistryError::RedirectScheme {
                scheme: scheme.into()
            }
        );
        assert_eq!(err.to_string(), format!("refusing redirect to {scheme}:"));
    }
    assert!(matches!(
        redirect_target("http://a\\@b/", blob),
        Err(RegistryError::InvalidUrl {
            header: "location",
            ..
        })
    ));
}

#[test]
fn credentials_go_to_the_registry_origin_only() {
    let session = Session::new("http://127.0.0.1:5000", Some(("alice", "s3cret"))).unwrap();
    let auth = Some("Basic YWxpY2U6czNjcmV0");
    assert_eq!(
        session.credentials_for("http://127.0.0.1:5000/v2/x/blobs/sha256:aa", auth),
        auth
    );
    for elsewhere in [
        "http://127.0.0.2:5000/blob",
        "http://127.0.0.1:5001/blob",
        "https://127.0.0.1:5000/blob",
        "http://127.0.0.1:5000@127.0.0.2/blob",
        "not a url",
    ] {
        assert_eq!(
            session.credentials_for(elsewhere, auth),
            None,
            "{elsewhere}"
        );
    }
    assert!(same_origin("http://127.0.0.1:5000/", session.origin()));
    assert!(matches!(Session::new("ftp://x", None), Err(e) if e.code() == "INVALID_ARGUMENT"));
}

#[test]
fn basic_credentials_are_rfc_7617() {
    assert_eq!(
        basic_authorization("Aladdin", "open sesame"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(
        basic_authorization("test", "123£"),
        "Basic dGVzdDoxMjPCow=="
    );
    assert_eq!(basic_authorization("a", ""), "Basic YTo=");
    assert_eq!(basic_authorization("ab", ""), "Basic YWI6");
}

const SCOPE: &str = "repository:demo/single:pull";

#[test]
fn the_token_dance_asks_the_realm_with_service_and_scope() {
    let mut anonymous = Session::new(REGISTRY, None).unwrap();
    let challenge = r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:demo/single:pull,push repository:x/y:pull""#;
    assert_eq!(
        anonymous.unauthorized(Some(challenge), SCOPE),
        Ok(Answer::Token {
            url: "https://auth.example/token?service=registry.example&scope=repository%3Ademo%2Fsingle%3Apull%2Cpush&scope=repository%3Ax%2Fy%3Apull".into(),
            authorization: None,
        })
    );
    // Without a scope in the challenge, the request's; an existing service is replaced.
    let mut alice = Session::new(REGISTRY, Some(("alice", "s3cret"))).unwrap();
    assert_eq!(
        alice.unauthorized(Some(r#"Basic realm="x", Bearer realm="http://127.0.0.1:5000/token?service=old&a=b%20c",service="a b""#), SCOPE),
        Ok(Answer::Token {
            url: "http://127.0.0.1:5000/token?a=b%20c&service=a+b&scope=repository%3Ademo%2Fsingle%3Apull".into(),
            authorization: Some(basic_authorization("alice", "s3cret")),
        })
    );
    assert_eq!(
        alice.unauthorized(Some(r#"Bearer realm="https://auth.example""#), SCOPE),
        Ok(Answer::Token {
            url: "https://auth.example/?scope=repository%3Ademo%2Fsingle%3Apull".into(),
            authorization: Some(basic_authorization("alice", "s3cret"))
        })
    );
}

#[test]
fn the_token_dance_refuses_what_it_cannot_answer_safely() {
    let mut alice = Session::new(REGISTRY, Some(("alice", "s3cret"))).unwrap();
    let refused = alice
        .unauthorized(
            Some(r#"Bearer realm="http://127.0.0.2:1/token",service="s""#),
            SCOPE,
        )
        .unwrap_err();
    assert_eq!(
        refused,
        RegistryError::RealmRefused {
            origin: "http://127.0.0.2:1".into()
        }
    );
    assert_eq!(
        refused.to_string(),
        "refusing token realm http://127.0.0.2:1: not https and not the registry's origin"
    );
    assert_eq!(
        (refused.code(), refused.status()),
        ("REGISTRY_ERROR", Some(401))
    );

    let no_header = alice.unauthorized(None, SCOPE).unwrap_err();
    assert_eq!(
        no_header.to_string(),
        "401 without WWW-Authenticate from http://127.0.0.1:5000"
    );
    assert_eq!(no_header.status(), Some(401));
    assert_eq!(
        alice.unauthorized(Some(r#"Bearer realm="/token""#), SCOPE),
        Err(RegistryError::InvalidRealm {
            realm: Some("/token".into())
        })
    );
    assert_eq!(
        alice.unauthorized(Some(r#"Bearer service="s""#), SCOPE),
        Err(RegistryError::InvalidRealm { realm: None })
    );
    let bad_scope = alice
        .unauthorized(
            Some(r#"Bearer realm="https://a/t",scope="nocolons""#),
            SCOPE,
        )
        .unwrap_err();
    assert_eq!(bad_scope.code(), "HEADER_INVALID");
    assert_eq!(
        alice
            .unauthorized(Some("Bearer realm=\"unterminated"), SCOPE)
            .unwrap_err()
            .code(),
        "HEADER_INVALID"
    );
}

#[test]
fn a_basic_challenge_is_answered_once_and_only_with_credentials() {
    let mut anonymous = Session::new(REGISTRY, None).unwrap();
    let err = anonymous
        .unauthorized(Some(r#"Basic realm="r""#), SCOPE)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unauthorized at http://127.0.0.1:5000 (no credentials)"
    );

    let mut alice = Session::new(REGISTRY, Some(("alice", "s3cret"))).unwrap();
    assert_eq!(
        alice.authorization(SCOPE, 0),
        None,
        "no credentials before the registry asks"
    );
    assert_eq!(
        alice.unauthorized(Some(r#"Basic realm="r""#), SCOPE),
        Ok(Answer::Retry)
    );
    assert_eq!(
        alice.authorization(SCOPE, 0),
        Some(basic_authorization("alice", "s3cret"))
    );
    let again = alice
        .unauthorized(Some(r#"Basic realm="r""#), SCOPE)
        .unwrap_err();
    assert_eq!(
        again,
        RegistryError::Unauthorized {
            origin: REGISTRY.into(),
            credentials: true
        }
    );
    assert_eq!(again.to_string(), "unauthorized at http://127.0.0.1:5000");
}

const NOW: u64 = 1_704_164_645_000; // 2024-01-02T03:04:05Z

#[test]
fn tokens_are_cached_per_scope_until_their_expiry() {
    let mut session = Session::new(REGISTRY, Some(("alice", "s3cret"))).unwrap();
    let retry = session
        .accept_token(SCOPE, r#"{"token":"t1","expires_in":300}"#, NOW)
        .unwrap();
    assert_eq!(retry, "Bearer t1");
    assert_eq!(
        session.authorization(SCOPE, NOW).as_deref(),
        Some("Bearer t1")
    );
    assert_eq!(session.authorization("repository:other:pull", NOW), None);
    let last = NOW + 300_000 - EXPIRY_MARGIN_MS;
    assert_eq!(
        session.authorization(SCOPE, last - 1).as_deref(),
        Some("Bearer t1")
    );
    assert_eq!(session.authorization(SCOPE, last), None);
    // access_token wins, as distribution's session.go canonicalizes it
    session
        .accept_token(SCOPE, r#"{"token":"a","access_token":"b"}"#, NOW)
        .unwrap();
    assert_eq!(
        session.authorization(SCOPE, NOW + 54_999).as_deref(),
        Some("Bearer b"),
        "60 s minimum, less the margin"
    );
    assert_eq!(session.authorization(SCOPE, NOW + 55_000), None);
    let err = session
        .accept_token(SCOPE, r#"{"nope":1}"#, NOW)
        .unwrap_err();
    assert_eq!(err.code(), "HEADER_INVALID");
}

#[test]
fn token_expiry_counts_from_issued_at_unless_it_is_in_the_future() {
    let mut cache = TokenCache::new();
    // Issued 100 s ago for 300 s: 200 s left.
    let body = r#"{"token":"old","expires_in":300,"issued_at":"2024-01-02T03:02:25Z"}"#;
    assert_eq!(cache.insert_response("a", body, NOW).as_deref(), Ok("old"));
    assert_eq!(
        cache.get("a", NOW + 200_000 - EXPIRY_MARGIN_MS - 1),
        Some("old")
    );
    assert_eq!(cache.get("a", NOW + 200_000 - EXPIRY_MARGIN_MS), None);
    // A server clock an hour ahead: counted from now.
    let ahead = r#"{"token":"ahead","expires_in":300,"issued_at":"2024-01-02T04:04:05+00:00"}"#;
    cache.insert_response("b", ahead, NOW).unwrap();
    assert_eq!(
        cache.get("b", NOW + 300_000 - EXPIRY_MARGIN_MS - 1),
        Some("ahead")
    );
    // Already expired by the local clock: returned for the retry at hand, not kept.
    let stale = r#"{"token":"stale","expires_in":60,"issued_at":"2024-01-02T02:00:00Z"}"#;
    assert_eq!(
        cache.insert_response("c", stale, NOW).as_deref(),
        Ok("stale")
    );
    assert_eq!(cache.get("c", NOW), None);
}

#[test]
fn the_token_cache_is_bounded() {
    let mut cache = TokenCache::new();
    for i in 0..MAX_CACHED_TOKENS as u64 {
        cache.insert(&format!("s{i}"), "t", NOW + 60_000 + i * 1000, NOW);
    }
    assert_eq!(cache.len(), MAX_CACHED_TOKENS);
    cache.insert("new", "t", NOW + 600_000, NOW);
    assert_eq!(cache.len(), MAX_CACHED_TOKENS);
    assert_eq!(
        cache.get("s0", NOW),
        None,
        "the one expiring soonest made room"
    );
    assert_eq!(cache.get("s1", NOW), Some("t"));
    assert_eq!(cache.get("new", NOW), Some("t"));
    // Expired entries go first, and a scope is replaced, not duplicated.
    cache.insert("new", "t2", NOW + 600_000, NOW + 100_000);
    assert_eq!(cache.get("new", NOW + 100_000), Some("t2"));
    // s1..=s45 have expired by then (s0 is gone): s46..=s63 and "new" are left.
    assert_eq!(cache.len(), MAX_CACHED_TOKENS - 46 + 1);
    assert!(!cache.is_empty());
}

#[test]
fn rfc_3339_times_in_unix_milliseconds() {
    for (input, want) in [
        ("1970-01-01T00:00:00Z", Some(0)),
        ("2024-01-02T03:04:05Z", Some(NOW)),
        ("2024-01-02t03:04:05z", Some(NOW)),
        ("2024-01-02T04:04:05+01:00", Some(NOW)),
        ("2024-01-01T23:34:05-03:30", Some(NOW)),
        ("2024-01-02T03:04:05.5Z", Some(NOW + 500)),
        ("2024-01-02T03:04:05.123456789Z", Some(NOW + 123)),
        ("2000-02-29T23:59:59Z", Some(951_868_799_000)),
        ("1969-12-31T23:59:59Z", None),
        ("2024-01-02T03:04:05", None),
        ("2024-01-02 03:04", None),
    ] {
        assert_eq!(unix_millis(input), want, "{input}");
    }
}

#[test]
fn manifests_hash_to_the_requested_digest_and_the_header() {
    assert_eq!(
        check_manifest(b"hello", Some(HELLO), Some(HELLO))
            .unwrap()
            .as_str(),
        HELLO
    );
    assert_eq!(
        check_manifest(b"hello", None, Some(&format!(" {HELLO}\t")))
            .unwrap()
            .as_str(),
        HELLO
    );
    assert_eq!(
        check_manifest(b"hello", None, None).unwrap().as_str(),
        HELLO
    );
    for (requested, header) in [
        (Some(ZEROS), None),
        (None, Some(ZEROS)),
        (Some(HELLO), Some(ZEROS)),
        (Some(ZEROS), Some(HELLO)),
    ] {
        let err = check_manifest(b"hello", requested, header).unwrap_err();
        assert_eq!(err.code(), "DIGEST_MISMATCH", "{requested:?} {header:?}");
    }
    assert_eq!(
        check_manifest(b"hello", None, Some("sha256:nothex"))
            .unwrap_err()
            .code(),
        "DIGEST_INVALID_FORMAT"
    );
    assert_eq!(
        check_manifest(b"hello", Some("blake3:aa"), None)
            .unwrap_err()
            .code(),
        "DIGEST_INVALID_FORMAT"
    );
}

#[test]
fn a_head_answers_with_a_checked_content_digest() {
    assert_eq!(
        head_digest(Some(HELLO), None, "demo:1", 200)
            .unwrap()
            .as_str(),
        HELLO
    );
    assert_eq!(
        head_digest(Some(&format!("{HELLO} ")), Some(HELLO), "demo@x", 200)
            .unwrap()
            .as_str(),
        HELLO
    );
    let missing = head_digest(None, None, "demo:1", 200).unwrap_err();
    assert_eq!(missing.to_string(), "no Docker-Content-Digest for demo:1");
    assert_eq!(
        (missing.code(), missing.status()),
        ("REGISTRY_ERROR", Some(200))
    );
    let other = head_digest(Some(HELLO), Some(ZEROS), "demo@zeros", 200).unwrap_err();
    assert_eq!(other.code(), "DIGEST_MISMATCH");
    let sha512 = format!("sha512:{}", "a".repeat(128));
    assert!(
        head_digest(Some(HELLO), Some(&sha512), "demo@sha512", 200).is_ok(),
        "other algorithm: nothing to compare"
    );
    assert_eq!(
        head_digest(Some("junk"), None, "demo:1", 200)
            .unwrap_err()
            .code(),
        "DIGEST_INVALID_FORMAT"
    );
}

#[test]
fn a_refusal_is_told_apart_from_a_challenge_that_cannot_be_followed() {
    // A proxy (the gateway) passes the registry's refusal on and fails on the rest.
    let mut anonymous = Session::new(REGISTRY, None).unwrap();
    let mut alice = Session::new(REGISTRY, Some(("alice", "s3cret"))).unwrap();
    let refusals = [
        anonymous.unauthorized(None, SCOPE),
        anonymous.unauthorized(Some(r#"Basic realm="r""#), SCOPE),
        anonymous.unauthorized(Some("Negotiate"), SCOPE),
    ];
    for answer in refusals {
        assert!(answer.unwrap_err().is_refusal());
    }
    assert_eq!(
        alice.unauthorized(Some(r#"Basic realm="r""#), SCOPE),
        Ok(Answer::Retry)
    );
    let basic_again = alice
        .unauthorized(Some(r#"Basic realm="r""#), SCOPE)
        .unwrap_err();
    assert!(basic_again.is_refusal(), "Basic already sent: refused");
    for challenge in [
        r#"Bearer realm="http://127.0.0.2:1/token""#,
        r#"Bearer realm="/token""#,
        r#"Bearer service="s""#,
        r#"Bearer realm="https://a/t",scope="nocolons""#,
        "Bearer realm=\"unterminated",
    ] {
        let err = alice.unauthorized(Some(challenge), SCOPE).unwrap_err();
        assert!(!err.is_refusal(), "{challenge}: {err}");
    }
}

#[test]
fn the_scope_of_a_path_is_distributions() {
    for (path, want) in [
        (
            "/v2/library/alpine/manifests/latest",
            "repository:library/alpine:pull",
        ),
        (
            "/v2/demo/single/blobs/sha256:abc",
            "repository:demo/single:pull",
        ),
        (
            "/v2/demo/many-tags/tags/list?n=2&last=b",
            "repository:demo/many-tags:pull",
        ),
        (
            "/v2/demo/single/referrers/sha256:abc",
            "repository:demo/single:pull",
        ),
        (
            "/v2/localhost:5000/a/manifests/1",
            "repository:localhost:5000/a:pull",
        ),
        // Components named like endpoints: the last endpoint counts.
        ("/v2/a/tags/b/manifests/latest", "repository:a/tags/b:pull"),
        ("/v2/manifests/manifests/x", "repository:manifests:pull"),
        ("/v2/_catalog", "registry:catalog:*"),
        ("/v2/_catalog?n=1000", "registry:catalog:*"),
        // No resource named: no scope.
        ("/v2/", ""),
        ("/v2", ""),
        ("/", ""),
        ("", ""),
        ("/v2/_catalog/x", ""),
        ("/v2/manifests/latest", ""),
        ("/v2/demo/single", ""),
        ("/v3/demo/manifests/latest", ""),
        ("/v2/demo/manifest/latest", ""),
        ("/v2/?x=/manifests/y", ""),
        // Names the scope grammar refuses.
        ("/v2/Demo/manifests/latest", ""),
        ("/v2/de%6do/manifests/latest", ""),
        ("/v2//manifests/latest", ""),
        ("/v2/a//b/manifests/latest", ""),
    ] {
        assert_eq!(scope_for_path(path), want, "{path:?}");
    }
}
