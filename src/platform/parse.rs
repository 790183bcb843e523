//! `Parse`: a specifier (`linux/arm64/v8`, `windows(10.0.17763+win32k)/amd64`, `arm64`) to a
//! [`Platform`] (`platforms.go`).

use super::database::{is_known_arch, is_known_os, normalize_arch, normalize_os};
use super::error::{OsOptionError, PlatformError};
use super::{non_empty, Platform, DEFAULT_ARCHITECTURE, DEFAULT_OS};

/// Containerd's `Parse`: a platform specifier to a normalized platform.
///
/// See the [module docs](super) for the grammar. One-component specifiers take the missing
/// half from [`DEFAULT_OS`] / [`DEFAULT_ARCHITECTURE`] (containerd takes it from its host).
/// OS features keep the order they were written in, as upstream.
///
/// ```
/// use pullgate::platform::{parse, Platform};
/// assert_eq!(parse("Linux/x86_64").unwrap(), Platform::new("linux", "amd64"));
/// assert_eq!(parse("armhf").unwrap(), Platform::new("linux", "arm"));
/// let win = parse("windows(10.0.17763+win32k)/amd64").unwrap();
/// assert_eq!(win.os_version.as_deref(), Some("10.0.17763"));
/// assert_eq!(win.os_features, Some(vec!["win32k".to_string()]));
/// ```
pub fn parse(specifier: &str) -> Result<Platform, PlatformError> {
    if specifier.contains('*') {
        return Err(PlatformError::WildcardsNotSupported {
            specifier: specifier.to_owned(),
        });
    }

    // Upstream splits into at most four parts so a long input can't make a long list.
    let mut parts = specifier.splitn(4, '/');
    let first = parts.next().unwrap_or("");
    let rest: [Option<&str>; 3] = [parts.next(), parts.next(), parts.next()];

    let os_part = match split_os_component(first) {
        Some(os_part) => os_part,
        None => {
            return Err(PlatformError::InvalidOsComponent {
                component: first.to_owned(),
                specifier: specifier.to_owned(),
            })
        }
    };
    let os = normalize_os(os_part.name);
    let os_version =
        decode_os_option(os_part.version).map_err(|cause| PlatformError::InvalidOsVersion {
            specifier: specifier.to_owned(),
            os_version: os_part.version.to_owned(),
            cause,
        })?;
    let os_features = match os_part.features {
        Some(features) => Some(parse_os_features(specifier, features)?),
        None => None,
    };
    for component in rest.iter().flatten() {
        if !is_component(component) {
            return Err(PlatformError::InvalidComponent {
                component: (*component).to_owned(),
                specifier: specifier.to_owned(),
            });
        }
    }

    let mut platform = Platform {
        os,
        architecture: String::new(),
        variant: None,
        os_version: non_empty(os_version),
        os_features: os_features.filter(|f| !f.is_empty()),
    };
    match rest {
        [None, _, _] => {
            // One component: an OS (with or without options) gets the default architecture;
            // otherwise it must be an architecture, and gets the default OS.
            if is_known_os(&platform.os) {
                platform.architecture = DEFAULT_ARCHITECTURE.to_owned();
                return Ok(platform);
            }
            let (architecture, variant) = normalize_arch(first, "");
            if !is_known_arch(&architecture) {
                return Err(PlatformError::UnknownOsOrArchitecture {
                    specifier: specifier.to_owned(),
                });
            }
            Ok(Platform {
                os: DEFAULT_OS.to_owned(),
                variant: arm_v7_implied(&architecture, variant),
                architecture,
                ..platform
            })
        }
        [Some(arch), None, _] => {
            let (architecture, variant) = normalize_arch(arch, "");
            platform.variant = arm_v7_implied(&architecture, variant);
            platform.architecture = architecture;
            Ok(platform)
        }
        [Some(arch), Some(variant), None] => {
            let (architecture, mut variant) = normalize_arch(arch, variant);
            if architecture == "arm64" && variant.is_empty() {
                variant = "v8".to_owned();
            }
            platform.variant = non_empty(variant);
            platform.architecture = architecture;
            Ok(platform)
        }
        _ => Err(PlatformError::CannotParse {
            specifier: specifier.to_owned(),
        }),
    }
}

/// With two components (or one), `arm` means `arm/v7` and is written without the variant.
fn arm_v7_implied(architecture: &str, variant: String) -> Option<String> {
    if architecture == "arm" && variant == "v7" {
        None
    } else {
        non_empty(variant)
    }
}

/// The parts of `os[(version+feature+...)]`, still percent-encoded.
struct OsComponent<'a> {
    name: &'a str,
    version: &'a str,
    /// The features after the version, `+`-separated, without the leading `+`.
    features: Option<&'a str>,
}

/// Match `osRe`: `^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$`.
/// The version's characters exclude `+`, `(` and `)`, so a single left-to-right scan decides.
fn split_os_component(part: &str) -> Option<OsComponent<'_>> {
    let name_len = part.bytes().take_while(|&b| is_os_name_byte(b)).count();
    if name_len == 0 {
        return None;
    }
    let (name, options) = part.split_at(name_len);
    if options.is_empty() {
        return Some(OsComponent {
            name,
            version: "",
            features: None,
        });
    }
    let inner = options.strip_prefix('(')?.strip_suffix(')')?;
    let version_len = inner.bytes().take_while(|&b| is_os_option_byte(b)).count();
    let (version, features) = inner.split_at(version_len);
    if features.is_empty() {
        return Some(OsComponent {
            name,
            version,
            features: None,
        });
    }
    let features = features.strip_prefix('+')?;
    let well_formed = features
        .split('+')
        .all(|f| !f.is_empty() && f.bytes().all(is_os_option_byte));
    well_formed.then_some(OsComponent {
        name,
        version,
        features: Some(features),
    })
}

/// `parseOSFeatures`: split on `+` and percent-decode each feature.
fn parse_os_features(specifier: &str, features: &str) -> Result<Vec<String>, PlatformError> {
    let mut out = Vec::new();
    for raw in features.split('+') {
        let feature = decode_os_option(raw).map_err(|cause| PlatformError::InvalidOsFeature {
            specifier: specifier.to_owned(),
            feature: raw.to_owned(),
            cause,
        })?;
        if !feature.is_empty() {
            out.push(feature);
        }
    }
    Ok(out)
}

/// `decodeOSOption`: Go's `url.PathUnescape` when there is a `%`, else the value as is.
pub(crate) fn decode_os_option(v: &str) -> Result<String, OsOptionError> {
    if !v.contains('%') {
        return Ok(v.to_owned());
    }
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        match (
            bytes.get(i + 1).copied().and_then(hex_value),
            bytes.get(i + 2).copied().and_then(hex_value),
        ) {
            (Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            _ => {
                // Go reports the `%` and at most the two bytes after it.
                let end = bytes.len().min(i + 3);
                let bad = String::from_utf8_lossy(bytes.get(i..end).unwrap_or_default());
                return Err(OsOptionError::InvalidEscape(bad.into_owned()));
            }
        }
    }
    String::from_utf8(out).map_err(|_| OsOptionError::InvalidUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `[A-Za-z0-9_-]`: the OS name.
fn is_os_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// `[A-Za-z0-9_.%-]`: an OS version or feature, percent-encoded.
fn is_os_option_byte(b: u8) -> bool {
    is_os_name_byte(b) || b == b'.' || b == b'%'
}

/// `specifierRe`, `^[A-Za-z0-9_.-]+$`: an architecture or variant component.
fn is_component(component: &str) -> bool {
    !component.is_empty() && component.bytes().all(|b| is_os_name_byte(b) || b == b'.')
}
