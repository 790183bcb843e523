//! `RegistryClient`'s rules for `js/registry.js` (internal exports, `__`-prefixed): the
//! client there is the `fetch` loop and the streaming; what it sends where, which URLs it
//! follows and what it accepts is [`crate::registry`].

use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{bytes_of, to_js, to_plain};
use crate::registry::{self, Answer, RegistryError, Session};

/// The thrown form of a registry error: a `PullgateError` with `status` when it answers one.
fn thrown(err: RegistryError) -> JsValue {
    let status = err.status();
    let value = to_js(err);
    if let Some(status) = status {
        // A fresh PullgateError is a plain extensible object: setting a field can't throw.
        let _ = Reflect::set(&value, &"status".into(), &status.into());
    }
    value
}

/// `Date.now()` as the core's clock (milliseconds since the Unix epoch; saturating).
fn millis(now: f64) -> u64 {
    now as u64
}

/// One `RegistryClient`'s auth state (credentials, Basic in use, Bearer tokens by scope).
#[wasm_bindgen(js_name = __RegistrySession, skip_typescript)]
pub struct RegistrySession {
    inner: Session,
}

#[derive(Serialize)]
struct TokenRequest {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<String>,
}

#[wasm_bindgen(js_class = __RegistrySession)]
impl RegistrySession {
    /// A session with the registry at `origin` (`URL.origin` of the client's `baseUrl`),
    /// anonymous or with a username and password.
    #[wasm_bindgen(constructor)]
    pub fn new(
        origin: &str,
        username: Option<String>,
        password: Option<String>,
    ) -> Result<RegistrySession, JsValue> {
        let credentials = username.as_deref().zip(password.as_deref());
        Ok(RegistrySession {
            inner: Session::new(origin, credentials).map_err(thrown)?,
        })
    }

    /// The `Authorization` for a registry request needing `scope` now, if any.
    pub fn authorization(&self, scope: &str, now: f64) -> Option<String> {
        self.inner.authorization(scope, millis(now))
    }

    /// `authorization` when `url` is on the registry's origin, else `undefined`.
    #[wasm_bindgen(js_name = credentialsFor)]
    pub fn credentials_for(&self, url: &str, authorization: Option<String>) -> Option<String> {
        self.inner
            .credentials_for(url, authorization.as_deref())
            .map(str::to_owned)
    }

    /// The answer to a 401: `{ url, authorization? }` of the token request, or `undefined` to
    /// retry with Basic credentials.
    pub fn unauthorized(
        &mut self,
        www_authenticate: Option<String>,
        scope: &str,
    ) -> Result<JsValue, JsValue> {
        match self
            .inner
            .unauthorized(www_authenticate.as_deref(), scope)
            .map_err(thrown)?
        {
            Answer::Token { url, authorization } => to_plain(&TokenRequest { url, authorization }),
            Answer::Retry => Ok(JsValue::UNDEFINED),
        }
    }

    /// Caches the token of a token response body for `scope`; returns the retry's
    /// `Authorization`.
    #[wasm_bindgen(js_name = acceptToken)]
    pub fn accept_token(&mut self, scope: &str, body: &str, now: f64) -> Result<String, JsValue> {
        self.inner
            .accept_token(scope, body, millis(now))
            .map_err(thrown)
    }

    /// The next page's URL from a `Link` header, or `undefined`; throws for another origin.
    #[wasm_bindgen(js_name = nextPage)]
    pub fn next_page(
        &self,
        link: Option<String>,
        request_url: &str,
    ) -> Result<Option<String>, JsValue> {
        registry::next_page(link.as_deref(), request_url, self.inner.origin()).map_err(thrown)
    }
}

/// What only the gateway's upstream client (worker/src/upstream.js) asks of a session.
#[cfg(feature = "gateway")]
#[wasm_bindgen(js_class = __RegistrySession)]
impl RegistrySession {
    /// The gateway's answer to a 401 from its upstream: as `unauthorized`, except that the
    /// registry's own refusal ([`RegistryError::is_refusal`]: no challenge, or nothing more
    /// to answer with) is `null`, so that the 401 is passed on; a challenge that can't be
    /// followed still throws.
    #[wasm_bindgen(js_name = upstreamUnauthorized)]
    pub fn upstream_unauthorized(
        &mut self,
        www_authenticate: Option<String>,
        scope: &str,
    ) -> Result<JsValue, JsValue> {
        match self.inner.unauthorized(www_authenticate.as_deref(), scope) {
            Ok(Answer::Token { url, authorization }) => {
                to_plain(&TokenRequest { url, authorization })
            }
            Ok(Answer::Retry) => Ok(JsValue::UNDEFINED),
            Err(err) if err.is_refusal() => Ok(JsValue::NULL),
            Err(err) => Err(thrown(err)),
        }
    }
}

/// The scope a pull of a registry path needs (`""` for none).
#[cfg(feature = "gateway")]
#[wasm_bindgen(js_name = __scopeForPath, skip_typescript)]
pub fn scope_for_path(path: &str) -> String {
    registry::scope_for_path(path)
}

/// Where a redirect leads (`http`/`https` only).
#[wasm_bindgen(js_name = __redirectTarget, skip_typescript)]
pub fn redirect_target(location: &str, current: &str) -> Result<String, JsValue> {
    registry::redirect_target(location, current).map_err(thrown)
}

/// A fetched manifest's check: its digest, or `DIGEST_MISMATCH` and the other digest codes.
#[wasm_bindgen(js_name = __checkManifest, skip_typescript)]
pub fn check_manifest(
    bytes: JsValue,
    requested: Option<String>,
    content_digest: Option<String>,
) -> Result<String, JsValue> {
    let bytes = bytes_of(&bytes, "bytes")?;
    registry::check_manifest(&bytes, requested.as_deref(), content_digest.as_deref())
        .map(|d| d.as_str().to_owned())
        .map_err(thrown)
}

/// A manifest `HEAD`'s digest from its `Docker-Content-Digest`.
#[wasm_bindgen(js_name = __headDigest, skip_typescript)]
pub fn head_digest(
    content_digest: Option<String>,
    requested: Option<String>,
    reference: &str,
    status: u16,
) -> Result<String, JsValue> {
    registry::head_digest(
        content_digest.as_deref(),
        requested.as_deref(),
        reference,
        status,
    )
    .map(|d| d.as_str().to_owned())
    .map_err(thrown)
}
