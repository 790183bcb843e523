//! Platforms: parse, normalize, format, match and order them with containerd's rules.
//!
//! This is a port of `github.com/containerd/platforms` (`platforms.go`, `database.go`,
//! `compare.go`, `platform_windows_compat.go`), the module containerd, BuildKit and Docker use
//! to pick an image out of an index. It is written from those rules, not translated line by line.
//!
//! # Specifier grammar (`Parse`)
//!
//! ```text
//! specifier  := os-part | arch | os-part "/" arch | os-part "/" arch "/" variant
//! os-part    := os [ "(" os-version *( "+" os-feature ) ")" ]
//! os         := [A-Za-z0-9_-]+
//! os-version := [A-Za-z0-9_.%-]*          percent-decoded (`%2B` is `+`)
//! os-feature := [A-Za-z0-9_.%-]+          percent-decoded
//! arch       := [A-Za-z0-9_.-]+
//! variant    := [A-Za-z0-9_.-]+
//! ```
//!
//! * A `*` anywhere is refused (wildcards are not supported upstream either).
//! * One component: a known OS (`linux`, `windows(10.0.17763+win32k)`, `macOS`) gets the
//!   default architecture; otherwise it must normalize to a known architecture (`aarch64`,
//!   `armhf`, `x86_64`) and gets the default OS. containerd takes these defaults from the host
//!   it runs on; a library can't, so pullgate always uses containerd's answers on a
//!   `linux/amd64` host: [`DEFAULT_OS`] and [`DEFAULT_ARCHITECTURE`].
//! * Two components: `arm` without a variant stays without one (`arm/v7` is implied).
//! * Three components: `arm64` whose variant normalizes away gets `v8` back.
//! * More than three components is an error.
//!
//! # Normalization (`database.go`)
//!
//! OS and architecture are lower-cased; `macos` is `darwin`; `aarch64` is `arm64` (variants
//! `8`, `v8`, `v8.0` dropped, `9`, `9.0`, `v9.0` become `v9`); `x86_64`/`x86-64` are `amd64`
//! (`v1` dropped); `i386` is `386`; `armhf` is `arm/v7`, `armel` is `arm/v6`; `arm` without a
//! variant is `arm/v7` and `5`/`6`/`7`/`8` become `v5`..`v8`. OS features are sorted and
//! de-duplicated.
//!
//! # Matching and ordering (`compare.go`)
//!
//! A [`Matcher`] is built from a host platform and a [`MatchMode`]:
//!
//! * [`MatchMode::Only`] (containerd `Only`): the host and what it can also run, best first:
//!   `amd64/vN` runs `amd64/vN-1` .. `amd64/v1`, then `386`; `arm/vN` runs down to `arm/v5`;
//!   `arm64/v8.x` runs `arm64/v8.{x-1..0}`, `arm64/v9.x` runs `arm64/v9.{x-1..0}` then
//!   `arm64/v8.{min(x+5, 9)..0}`; every `arm64` also runs `arm/v8` .. `arm/v5`.
//! * [`MatchMode::Strict`] (containerd `OnlyStrict`): the host platform only (normalized).
//! * [`MatchMode::Exact`] (containerd `NewMatcher`): the host platform only; unlike the
//!   other two it checks for `windows` on the host's OS as given, before normalizing.
//!
//! In every mode a candidate's OS features must be a subset of the host's, and for a
//! `windows` host its `os.version` must be one the host can run (same major.minor; before
//! Windows Server 2022 the same build; from 2022 on, any build from the previous LTSC up to the
//! host's) and the `win32k` feature is ignored. [`Matcher::less`] is containerd's
//! `MatchComparer.Less`: earlier in the list above wins, then more OS features; candidates
//! that match nothing come last, ordered as if they had no OS features.
//!
//! Differences from upstream, all forced by being a library rather than a daemon: the host
//! defaults above; percent-decoded OS options that are not UTF-8 are refused; containerd's
//! `NewMatcher` has no ordering on Linux, so [`MatchMode::Exact`] orders like
//! `Ordered(host)`, or, for a `windows` host, like containerd's Windows default matcher
//! (matches first, then the highest `os.version` revision).

mod database;
mod error;
mod format;
mod matcher;
mod parse;
mod quote;
mod windows;

use serde::{Deserialize, Serialize};

pub use database::{is_known_arch, is_known_os, normalize_arch, normalize_os};
pub use error::{OsOptionError, PlatformError};
pub use format::{format, format_all};
pub use matcher::{sort, MatchMode, Matcher, SortKey};
pub use parse::parse;

/// The OS a bare architecture specifier (`arm64`) gets: containerd's answer on a Linux host.
pub const DEFAULT_OS: &str = "linux";

/// The architecture a bare OS specifier (`linux`) gets: containerd's answer on an amd64 host.
pub const DEFAULT_ARCHITECTURE: &str = "amd64";

/// An OCI platform (`image-index.md`'s `platform` object), as containerd's `specs.Platform`.
///
/// Go's empty strings and nil slices are `None` here; [`normalize`] and [`parse`] never return
/// `Some("")` or an empty feature list. The JSON form is the npm package's camelCase object
/// (`osVersion`, `osFeatures`, absent fields left out); the OCI spellings `os.version` and
/// `os.features` are accepted when reading, and missing `os`/`architecture` read as empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Platform {
    /// Operating system, e.g. `linux`, `windows`.
    #[serde(default)]
    pub os: String,
    /// CPU architecture, e.g. `amd64`, `arm64`.
    #[serde(default)]
    pub architecture: String,
    /// CPU variant, e.g. `v7` for `arm`, `v3` for `amd64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// OS version, e.g. `10.0.17763.1234` on Windows.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "os.version")]
    pub os_version: Option<String>,
    /// Mandatory OS features, e.g. `win32k`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "os.features"
    )]
    pub os_features: Option<Vec<String>>,
}

impl Platform {
    /// A platform with just an OS and an architecture.
    pub fn new(os: impl Into<String>, architecture: impl Into<String>) -> Self {
        Platform {
            os: os.into(),
            architecture: architecture.into(),
            ..Platform::default()
        }
    }

    /// The same platform with a variant (an empty one means none).
    pub fn with_variant(mut self, variant: impl Into<String>) -> Self {
        self.variant = non_empty(variant.into());
        self
    }

    /// The variant, `""` when there is none (Go's zero value).
    pub fn variant_str(&self) -> &str {
        self.variant.as_deref().unwrap_or("")
    }

    /// The OS version, `""` when there is none (Go's zero value).
    pub fn os_version_str(&self) -> &str {
        self.os_version.as_deref().unwrap_or("")
    }

    /// The OS features, empty when there are none.
    pub fn os_features_slice(&self) -> &[String] {
        self.os_features.as_deref().unwrap_or(&[])
    }
}

impl std::fmt::Display for Platform {
    /// [`format_all`]: `os[(version+features)]/arch[/variant]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_all(self))
    }
}

impl std::str::FromStr for Platform {
    type Err = PlatformError;

    /// [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Containerd's `Normalize`: canonical OS, architecture and variant; OS features sorted and
/// de-duplicated. The OS version is kept as is (only an empty one becomes `None`).
pub fn normalize(mut platform: Platform) -> Platform {
    platform.os = normalize_os(&platform.os);
    let (architecture, variant) = normalize_arch(&platform.architecture, platform.variant_str());
    platform.architecture = architecture;
    platform.variant = non_empty(variant);
    platform.os_version = platform.os_version.take().and_then(non_empty);
    platform.os_features = platform.os_features.take().and_then(|mut features| {
        // The crate's one sort (crate::order): equal features are removed, so order is moot.
        let order =
            crate::order::sorted_order(features.len(), &mut |a, b| features[a].cmp(&features[b]));
        crate::order::permute(&mut features, &order);
        features.dedup();
        (!features.is_empty()).then_some(features)
    });
    platform
}

/// Go's "empty string means absent".
fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}
