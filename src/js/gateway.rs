//! Exports used only by the gateway worker (pull-limit decisions, header values, client keys).
//!
//! The Durable Object `PullLimiter` keeps one client key's limiter states as the compact JSON
//! strings the core serializes ([`PullState`], [`RequestState`]) and hands them here with the
//! clock; each call returns the new states as plain data, with any response headers already
//! formatted.
//!
//! Leases ([`crate::limiter::lease`]): the object grants them with [`limiter_lease`], each
//! isolate holds one per client key in a [`GatewayLease`] and answers from it, calling the
//! object only to renew. Reports and grants cross between the two as JSON strings.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::{bytes_of, invalid_argument, to_js, to_plain};
use crate::auth::{client_key, DEFAULT_IPV6_PREFIX};
use crate::digest::Digest;
use crate::limiter::lease::{self, KeyLease, Step};
use crate::limiter::{self, PullDecision, PullPolicy, PullState, Quota, RequestState, Reservation};
use crate::ratelimit::{
    format_docker, format_policy, format_service_limit, parse_quota_setting, too_many_requests_body,
};

/// The policy name in `RateLimit-Policy` / `RateLimit`.
const POLICY_NAME: &str = "pulls";

/// An `N;w=S` setting (`PULL_LIMIT`, `REQUEST_LIMIT`) as `{ limit, windowSeconds }`; the error
/// names the setting.
#[wasm_bindgen(js_name = gatewayQuota)]
pub fn gateway_quota(setting: &str, value: &str) -> Result<JsValue, JsValue> {
    to_plain(&parse_quota_setting(setting, value).map_err(to_js)?)
}

/// The limit key for a client address (IPv6: the /64).
#[wasm_bindgen(js_name = gatewayClientKey)]
pub fn gateway_client_key(ip: &str) -> Result<String, JsValue> {
    client_key(ip, DEFAULT_IPV6_PREFIX).map_err(to_js)
}

/// The TOOMANYREQUESTS body of a pull-limit 429, linking to `link`.
#[wasm_bindgen(js_name = gatewayTooManyRequestsBody)]
pub fn gateway_too_many_requests_body(link: &str) -> String {
    too_many_requests_body(link)
}

/// The digests an index lists (its children), or `undefined` for anything else: a later GET
/// of one of them is part of the same pull. Only `manifests[].digest` is read (each checked
/// by the digest grammar), not the whole document: the full validating parse costs several
/// times more and the client, not the gateway, consumes the index.
#[wasm_bindgen(js_name = gatewayIndexChildren)]
pub fn gateway_index_children(body: JsValue) -> Result<Option<Vec<String>>, JsValue> {
    let bytes = bytes_of(&body, "body")?;
    Ok(index_children(&bytes))
}

#[derive(Deserialize)]
struct IndexDigests {
    manifests: Vec<ChildDigest>,
}

#[derive(Deserialize)]
struct ChildDigest {
    digest: String,
}

fn index_children(bytes: &[u8]) -> Option<Vec<String>> {
    if bytes.len() > crate::manifest::MAX_MANIFEST_SIZE {
        return None;
    }
    let index: IndexDigests = serde_json::from_slice(bytes).ok()?;
    index
        .manifests
        .into_iter()
        .map(|m| Digest::parse(&m.digest).ok().map(Digest::into_string))
        .collect()
}

/// [`limiter_refund`]'s answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Refunded {
    /// The new pull state.
    pull_state: String,
    /// The rate-limit headers as they stand after the refund, `[name, value]` pairs.
    headers: Vec<(&'static str, String)>,
}

fn state_of<T: serde::de::DeserializeOwned + Default>(
    json: &str,
    what: &str,
) -> Result<T, JsValue> {
    if json.is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(json)
        .map_err(|e| invalid_argument(what, &format!("a limiter state ({e})")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    // The states are plain structs of numbers: serializing them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn quota(limit: u32, window_seconds: u32) -> Quota {
    Quota {
        limit,
        window_seconds: window_seconds.max(1),
    }
}

/// Every manifest response's headers: Docker's `RateLimit-Limit` / `RateLimit-Remaining`
/// (`N;w=S`) and `Docker-RateLimit-Source`, the structured `RateLimit-Policy` / `RateLimit`,
/// and `Retry-After` when refused.
fn pull_headers(d: &PullDecision, source: &str) -> Vec<(&'static str, String)> {
    let w = u64::from(d.window_seconds);
    let mut headers = vec![
        ("ratelimit-limit", format_docker(u64::from(d.limit), w)),
        (
            "ratelimit-remaining",
            format_docker(u64::from(d.remaining), w),
        ),
        ("docker-ratelimit-source", source.to_owned()),
        (
            "ratelimit-policy",
            format_policy(POLICY_NAME, u64::from(d.limit), w),
        ),
        (
            "ratelimit",
            format_service_limit(
                POLICY_NAME,
                u64::from(d.remaining),
                Some(if d.allowed {
                    d.reset_seconds
                } else {
                    d.retry_after_seconds
                }),
            ),
        ),
    ];
    if !d.allowed {
        headers.push(("retry-after", d.retry_after_seconds.to_string()));
    }
    headers
}

/// Gives back the pull `reservation` (the upstream answered 404 or 5xx) of client key
/// `source`. Returns `{ pullState, headers }`: the new pull state, and the response's
/// rate-limit headers as the budget stands after the refund (nothing spent, as for a HEAD).
#[wasm_bindgen(js_name = limiterRefund)]
pub fn limiter_refund(
    pull_state: &str,
    pull_limit: u32,
    pull_window: u32,
    now_ms: f64,
    reservation: f64,
    source: &str,
) -> Result<JsValue, JsValue> {
    let mut pulls: PullState = state_of(pull_state, "pullState")?;
    let policy = PullPolicy::new(quota(pull_limit, pull_window));
    let now = now_ms as u64;
    limiter::refund(&mut pulls, &policy, now, Reservation(reservation as u64));
    let mut budget = limiter::budget(&pulls, &policy, now);
    budget.allowed = true;
    to_plain(&Refunded {
        pull_state: to_json(&pulls),
        headers: pull_headers(&budget, source),
    })
}

/// `gatewayRepositoryPath(name)`: throws unless `name` is a repository name as `/v2/<name>/`
/// and `/api/v1/repositories/<name>/` carry it (the core's `check_repository_path`).
#[wasm_bindgen(js_name = gatewayRepositoryPath)]
pub fn gateway_repository_path(name: &str) -> Result<(), JsValue> {
    crate::reference::check_repository_path(name).map_err(to_js)
}

/// `gatewayIsDigest(s)`: whether `s` is a digest as [`Digest::parse`] reads one
/// (`algorithm:encoded`), without building it or throwing: the gateway asks this of every
/// manifest path's reference and of every `Docker-Content-Digest` it re-resolves a tag to, and
/// an exception (or a parsed object crossing to JS) per request cost more than the check.
#[wasm_bindgen(js_name = gatewayIsDigest)]
pub fn gateway_is_digest(s: &str) -> bool {
    crate::digest::separator(s).is_some()
}

/// The budget without spending it: `{ limit, remaining, windowSeconds, retryAfterSeconds,
/// resetSeconds, ... }`.
#[wasm_bindgen(js_name = limiterBudget)]
pub fn limiter_budget(
    pull_state: &str,
    pull_limit: u32,
    pull_window: u32,
    now_ms: f64,
) -> Result<JsValue, JsValue> {
    let pulls: PullState = state_of(pull_state, "pullState")?;
    let policy = PullPolicy::new(quota(pull_limit, pull_window));
    to_plain(&limiter::budget(&pulls, &policy, now_ms as u64))
}

fn kind_of(kind: u8) -> Result<lease::Kind, JsValue> {
    match kind {
        0 => Ok(lease::Kind::Other),
        1 => Ok(lease::Kind::ManifestHead),
        2 => Ok(lease::Kind::ManifestGet),
        _ => Err(invalid_argument("kind", "0, 1 or 2")),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaseAnswer {
    /// The new request-limit state.
    request_state: String,
    /// The new pull state.
    pull_state: String,
    /// The grant, as JSON for [`GatewayLease::install`] (absent when only settling).
    #[serde(skip_serializing_if = "Option::is_none")]
    grant: Option<String>,
}

/// The owner's side of a lease, in one call: settles `report` (a JSON [`lease::Report`] from
/// [`GatewayLease::begin_renewal`] or [`GatewayLease::return_lease`], or "") and, unless
/// `want_requests` is 0, grants a new lease of up to `want_requests` requests and
/// `want_pulls` pulls. Returns `{ requestState, pullState, grant? }`.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = limiterLease)]
pub fn limiter_lease(
    request_state: &str,
    pull_state: &str,
    request_limit: u32,
    request_window: u32,
    pull_limit: u32,
    pull_window: u32,
    now_ms: f64,
    report: &str,
    want_requests: u32,
    want_pulls: u32,
) -> Result<JsValue, JsValue> {
    let now = now_ms as u64;
    let mut requests: RequestState = state_of(request_state, "requestState")?;
    let mut pulls: PullState = state_of(pull_state, "pullState")?;
    let report: lease::Report = state_of(report, "report")?;
    let quota_r = quota(request_limit, request_window);
    let policy = PullPolicy::new(quota(pull_limit, pull_window));
    lease::settle(&mut pulls, &mut requests, &policy, &quota_r, now, &report);
    let grant = (want_requests > 0).then(|| {
        to_json(&lease::grant(
            &mut pulls,
            &mut requests,
            &policy,
            &quota_r,
            now,
            want_requests,
            want_pulls,
        ))
    });
    to_plain(&LeaseAnswer {
        request_state: to_json(&requests),
        pull_state: to_json(&pulls),
        grant,
    })
}

/// An isolate's lease on one client key's limits (see [`crate::limiter::lease`]): answers
/// requests without calling the key's Durable Object until it must be renewed. Gateway-only:
/// kept out of the package's `.d.ts` (its class declaration uses `Symbol.dispose`, which the
/// package's ES2022 typings don't have).
#[wasm_bindgen(js_name = GatewayLease, skip_typescript)]
pub struct GatewayLease {
    inner: KeyLease,
    source: String,
    /// The last answer of `admit`, for `decision`.
    last: Option<lease::Admission>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenewalOut {
    report: String,
    want_requests: u32,
    want_pulls: u32,
}

#[wasm_bindgen(js_class = GatewayLease)]
impl GatewayLease {
    /// No lease yet, for client key `source` under the given limits.
    #[wasm_bindgen(constructor)]
    pub fn new(
        request_limit: u32,
        request_window: u32,
        pull_limit: u32,
        pull_window: u32,
        source: String,
    ) -> GatewayLease {
        GatewayLease {
            inner: KeyLease::new(
                quota(request_limit, request_window),
                PullPolicy::new(quota(pull_limit, pull_window)),
            ),
            source,
            last: None,
        }
    }

    /// Answers a request (`kind` as in [`limiter_admit`]) from the lease: the response's
    /// rate-limit headers as `name\nvalue` lines ("" when none: not a manifest), the rest of
    /// the answer then read with [`GatewayLease::decision`]; or `undefined` when the lease
    /// must be renewed first. A string and an array instead of an object: this is the
    /// gateway's per-request call, and building and parsing JSON was most of its cost.
    pub fn admit(
        &mut self,
        now_ms: f64,
        kind: u8,
        repository: &str,
        reference: &str,
    ) -> Result<Option<String>, JsValue> {
        let kind = kind_of(kind)?;
        match self.inner.admit(now_ms as u64, kind, repository, reference) {
            Step::Renew => Ok(None),
            Step::Admitted(a) => {
                let mut text = String::new();
                if let Some(d) = &a.pull {
                    for (i, (name, value)) in pull_headers(d, &self.source).iter().enumerate() {
                        if i > 0 {
                            text.push('\n');
                        }
                        text.push_str(name);
                        text.push('\n');
                        text.push_str(value);
                    }
                }
                self.last = Some(a);
                Ok(Some(text))
            }
        }
    }

    /// The rest of the last answer of [`GatewayLease::admit`], as numbers: `[request allowed
    /// (1/0), request limit, request window (s), request retry-after (s), pull (0: not a
    /// manifest, 1: allowed, 2: refused), pull counted (1/0), reservation (-1: none), lease
    /// serial]`.
    pub fn decision(&self) -> Vec<f64> {
        let Some(a) = &self.last else {
            return Vec::new();
        };
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let (pull, counted, reservation) = match &a.pull {
            None => (0.0, 0.0, -1.0),
            Some(d) => (
                if d.allowed { 1.0 } else { 2.0 },
                flag(d.counted),
                d.reservation.map_or(-1.0, |r| r.0 as f64),
            ),
        };
        vec![
            flag(a.request.allowed),
            f64::from(a.request.limit),
            f64::from(a.request.window_seconds),
            a.request.retry_after_seconds as f64,
            pull,
            counted,
            reservation,
            a.lease as f64,
        ]
    }

    /// Ends the lease held and says what to ask for: `{ report, wantRequests, wantPulls }`
    /// (`report` a JSON string for `limiterLease`). `needPulls`: the request waiting is a
    /// manifest GET; `demand`: how many requests are waiting.
    #[wasm_bindgen(js_name = beginRenewal)]
    pub fn begin_renewal(&mut self, need_pulls: bool, demand: u32) -> Result<JsValue, JsValue> {
        let r = self.inner.begin_renewal(need_pulls, demand);
        to_plain(&RenewalOut {
            report: to_json(&r.report),
            want_requests: r.want_requests,
            want_pulls: r.want_pulls,
        })
    }

    /// Holds `grant` (the JSON string `limiterLease` returned), asked for at `sentMs`,
    /// received at `nowMs`. Returns the lease's serial.
    pub fn install(&mut self, sent_ms: f64, now_ms: f64, grant: &str) -> Result<f64, JsValue> {
        let grant: lease::Grant = serde_json::from_str(grant)
            .map_err(|e| invalid_argument("grant", &format!("a lease grant ({e})")))?;
        Ok(self.inner.install(sent_ms as u64, now_ms as u64, grant) as f64)
    }

    /// Ends lease `serial` if it is still held: its report (JSON for `limiterLease`), or
    /// `undefined`.
    #[wasm_bindgen(js_name = returnLease)]
    pub fn return_lease(&mut self, serial: f64) -> Option<String> {
        self.inner.return_lease(serial as u64).map(|r| to_json(&r))
    }

    /// Whether a lease is held (a report to send back).
    pub fn holds(&self) -> bool {
        self.inner.holds()
    }

    /// When the lease held ends (ms, this isolate's clock; 0: none held): when to give it
    /// back if it is still held then.
    #[wasm_bindgen(js_name = expiresMs)]
    pub fn expires_ms(&self) -> f64 {
        self.inner.expires_ms().unwrap_or(0) as f64
    }

    /// The serial of the lease held (0: none).
    pub fn serial(&self) -> f64 {
        self.inner.serial() as f64
    }

    /// Gives back the pull `reservation` made under lease `serial` (upstream 404 or 5xx):
    /// the response's headers after it, or `null` when the lease's report has gone and the
    /// refund is the object's (`refund`).
    pub fn refund(
        &mut self,
        now_ms: f64,
        serial: f64,
        reservation: f64,
    ) -> Result<JsValue, JsValue> {
        match self.inner.refund(
            now_ms as u64,
            serial as u64,
            Reservation(reservation as u64),
        ) {
            Some(d) => to_plain(&pull_headers(&d, &self.source)),
            None => Ok(JsValue::NULL),
        }
    }

    /// Remembers that an index of `repository` listing `children` was served: one GET of
    /// one of them soon after is the same pull.
    #[wasm_bindgen(js_name = recordIndex)]
    pub fn record_index(&mut self, now_ms: f64, repository: &str, children: Vec<String>) {
        self.inner.record_index(
            now_ms as u64,
            repository,
            children.iter().map(String::as_str),
        );
    }
}
