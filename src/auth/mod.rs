//! Registry authentication: `WWW-Authenticate` challenges, token scopes, token responses, and
//! the client keys limits are counted under.
//!
//! * [`parse_www_authenticate`]: RFC 9110 §11.6.1 (RFC 7235 §4.1) challenges, several per
//!   value, as registries send them (distribution's
//!   `registry/client/auth/challenge/authchallenge.go` is the reference client).
//! * [`parse_scope`], [`parse_scopes`], [`format_scope`]: distribution's
//!   `docs/spec/auth/scope.md` grammar.
//! * [`parse_token_response`]: distribution's `docs/spec/auth/token.md` response, read as
//!   `registry/client/auth/session.go` does.
//! * [`client_key`]: the key a per-client limit is counted under (IPv4 as is, IPv6 by prefix).
//!
//! Every failure is a [`HeaderError`] (code `HEADER_INVALID`).

mod challenge;
mod client_key;
mod scope;
mod token;

pub use crate::ratelimit::HeaderError;
pub use challenge::{bearer_challenge, parse_www_authenticate, Challenge};
pub use client_key::{client_key, DEFAULT_IPV6_PREFIX};
pub use scope::{format_scope, parse_scope, parse_scopes, Scope};
pub use token::{
    parse_token_response, token_response_from_value, TokenResponse, MIN_TOKEN_LIFETIME_SECONDS,
};
