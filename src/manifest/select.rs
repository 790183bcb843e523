//! Choosing an index entry for a platform, and finding attestations.

use serde::Serialize;

use crate::platform::{MatchMode, Matcher, Platform};

use super::{Descriptor, Manifest, REFERENCE_DIGEST_ANNOTATION};

/// The entry of `index` a client on `host` should pull, or `None`.
///
/// containerd's rule (`core/images/handlers.go` `FilterPlatforms` then `LimitManifests` with
/// a limit of 1, and `core/images/image.go` `Manifest`):
/// 1. entries whose platform the matcher accepts (`mode`: containerd's `Only`,
///    `OnlyStrict` or `NewMatcher`) are ordered by the matcher's `Less`, stably, and the
///    first wins, so among equally good entries the earliest in the index is chosen;
/// 2. entries without a platform also pass containerd's filter but sort after every
///    platformed entry: the first of them is returned only when no platformed entry
///    matches. containerd then reads that manifest's config and checks its platform; the
///    caller can do the same with [`super::parse_config`] and
///    [`super::ImageConfig::platform`].
///
/// Attestation manifests ([`Descriptor::is_attestation`]) are never returned, whatever
/// their platform. `None` also when `index` is an image manifest.
pub fn select_platform<'m>(
    index: &'m Manifest,
    host: &Platform,
    mode: MatchMode,
) -> Option<&'m Descriptor> {
    let entries = index.manifests.as_deref()?;
    let matcher = Matcher::new(host, mode);
    let mut best: Option<(&Descriptor, &Platform)> = None;
    let mut without_platform: Option<&Descriptor> = None;
    for entry in entries.iter().filter(|entry| !entry.is_attestation()) {
        match &entry.platform {
            None => {
                without_platform = without_platform.or(Some(entry));
            }
            Some(platform) if matcher.matches(platform) => {
                // Replace only on strictly better: a stable sort's first element.
                let better = match best {
                    None => true,
                    Some((_, current)) => matcher.less(platform, current),
                };
                if better {
                    best = Some((entry, platform));
                }
            }
            Some(_) => {}
        }
    }
    best.map(|(entry, _)| entry).or(without_platform)
}

/// An attestation manifest in an index and the image manifest it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attestation<'a> {
    /// The attestation manifest's entry.
    pub manifest: &'a Descriptor,
    /// The digest of the image manifest it describes: its `vnd.docker.reference.digest`
    /// annotation, as written (`None` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a str>,
}

/// The attestation manifests of `index` ([`Descriptor::is_attestation`]), in index order,
/// each with the digest of the image manifest it describes (buildkit
/// `docs/attestations/attestation-storage.md`). Empty for an image manifest.
pub fn attestations(index: &Manifest) -> Vec<Attestation<'_>> {
    index
        .manifests
        .iter()
        .flatten()
        .filter(|entry| entry.is_attestation())
        .map(|entry| Attestation {
            manifest: entry,
            subject: entry.annotation(REFERENCE_DIGEST_ANNOTATION),
        })
        .collect()
}
