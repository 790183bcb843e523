//! Docker Hub's own repository-name rule, stricter than the reference grammar.

use super::scan::{identifier, path_component};
use super::ReferenceError;

/// Checks `name` against Docker Hub's repository-name rule; [`ReferenceError::HubNameInvalid`]
/// (with the failing part as its `reason`) when it breaks it.
///
/// `name` is a Hub repository path without domain, tag or digest: `repository` (an official
/// image, implicitly `library/`) or `namespace/repository`. Enforced, in this order:
///
/// 1. At most one `/`, with something on both sides.
/// 2. The repository (Docker Hub's documented rule): 2 to 255 characters, only lowercase
///    letters, digits, `-` and `_`; and, so that it can be pulled, a valid reference
///    `path-component`: starts and ends with a letter or digit, `_` at most twice in a row,
///    `-` runs and `_` runs never adjacent.
/// 3. The namespace (Docker's `validateRemoteName` rule for Hub namespaces): 2 to 255
///    characters of lowercase letters, digits, `-` and `_`, no `--`, and a valid
///    `path-component` as above (so it neither starts nor ends with `-` or `_`).
/// 4. `namespace/repository` at most 255 characters (the reference path limit).
/// 5. A repository without a namespace is not a 64-character hex string (an image ID).
pub fn validate_hub_repository_name(name: &str) -> Result<(), ReferenceError> {
    let fail = |reason: &'static str| {
        Err(ReferenceError::HubNameInvalid {
            input: name.to_owned(),
            reason,
        })
    };
    let (namespace, repository) = match name.split_once('/') {
        Some((namespace, repository)) => (Some(namespace), repository),
        None => (None, name),
    };
    if repository.contains('/') || namespace.is_some_and(str::is_empty) || repository.is_empty() {
        return fail("expected repository or namespace/repository");
    }
    if !(2..=255).contains(&repository.len()) {
        return fail("repository must be 2 to 255 characters");
    }
    if !hub_characters(repository) {
        return fail("repository may only contain lowercase letters, digits, '-' and '_'");
    }
    if path_component(repository.as_bytes()) != Some(false) {
        return fail("repository must start and end with a letter or digit, with at most two '_' in a row and no '_-'");
    }
    if let Some(namespace) = namespace {
        if !(2..=255).contains(&namespace.len()) {
            return fail("namespace must be 2 to 255 characters");
        }
        if !hub_characters(namespace) {
            return fail("namespace may only contain lowercase letters, digits, '-' and '_'");
        }
        if namespace.contains("--") {
            return fail("namespace must not contain consecutive hyphens");
        }
        if path_component(namespace.as_bytes()) != Some(false) {
            return fail("namespace must start and end with a letter or digit, with at most two '_' in a row and no '_-'");
        }
        if name.len() > 255 {
            return fail("namespace/repository must not be more than 255 characters");
        }
    } else if identifier(repository) {
        return fail("cannot specify 64-byte hexadecimal strings");
    }
    Ok(())
}

/// `[a-z0-9_-]`: the characters Docker Hub allows in namespaces and repository names.
fn hub_characters(s: &str) -> bool {
    s.bytes()
        .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
}
