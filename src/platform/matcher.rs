//! Matching and ordering (`compare.go`, `platforms.go`'s `matcher`).
//!
//! containerd's `Only(host)` builds the list of platforms the host runs, best first
//! (`platformVector`), and ranks a candidate by the first entry it matches. That list can be
//! astronomically long for an input like `amd64/v99999999999`, so here runs of numbered
//! variants are kept as ranges and a candidate's place is computed, not searched.

use std::cmp::Reverse;

use super::database::normalize_arch;
use super::windows::{go_atoi, revision, WindowsVersion};
use super::{normalize, Platform};

/// Which containerd matcher to build from the host platform.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// `platforms.Only(host)`: the host and the platforms it can also run (`amd64` runs
    /// `386`, `arm64` runs `arm/v8`..`arm/v5`, `arm/v7` runs `arm/v6` and `arm/v5`, ...).
    #[default]
    Only,
    /// `platforms.OnlyStrict(host)`: the normalized host platform only.
    Strict,
    /// `platforms.NewMatcher(host)`: the host platform only.
    Exact,
}

impl MatchMode {
    /// The mode named `only`, `strict` or `exact` (the npm package's `mode` option).
    pub fn from_name(name: &str) -> Option<MatchMode> {
        match name {
            "only" => Some(MatchMode::Only),
            "strict" => Some(MatchMode::Strict),
            "exact" => Some(MatchMode::Exact),
            _ => None,
        }
    }

    /// The mode's name: `only`, `strict` or `exact`.
    pub fn name(self) -> &'static str {
        match self {
            MatchMode::Only => "only",
            MatchMode::Strict => "strict",
            MatchMode::Exact => "exact",
        }
    }
}

/// A host platform's matcher and comparer: containerd's `MatchComparer` for one host.
///
/// ```
/// use pullgate::platform::{parse, MatchMode, Matcher};
/// let host = parse("linux/arm64").unwrap();
/// let m = Matcher::new(&host, MatchMode::Only);
/// assert!(m.matches(&parse("linux/arm/v7").unwrap()));
/// assert!(!m.matches(&parse("linux/amd64").unwrap()));
/// assert!(m.less(&parse("linux/arm64").unwrap(), &parse("linux/arm/v7").unwrap()));
/// ```
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The normalized host: its OS, OS version and features apply to every entry.
    host: Platform,
    /// A `windows` host: `os.version` compatibility applies and `win32k` is ignored.
    windows: bool,
    host_version: WindowsVersion,
    /// What the host runs, best first.
    entries: Vec<Entry>,
    ordering: Ordering,
}

/// One run of `platformVector` entries, already normalized as `NewMatcher` would.
#[derive(Debug, Clone)]
enum Entry {
    /// One architecture and variant.
    One {
        architecture: String,
        variant: String,
    },
    /// `v{high}`, `v{high-1}`, ..., `v{low}` of `amd64` (where `v1` is written without a
    /// variant) or `arm`.
    Descending {
        architecture: Numbered,
        high: i64,
        low: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbered {
    Amd64,
    Arm,
}

/// Which `Less` the matcher uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ordering {
    /// `orderedPlatformComparer.Less`.
    Ordered,
    /// `windowsMatchComparer.Less`: matches first, then the highest `os.version` revision.
    WindowsRevision,
}

/// Where a candidate sits in the host's list: entry, then position inside a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    At(usize, u64),
    Never,
}

/// A candidate's place in a [`Matcher`]'s order: sorting by it (stably) is sorting with
/// [`Matcher::less`]. Totally ordered, so it is safe with any sort.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey(Key);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// Matches: earlier entry first, then more OS features first.
    Matched(Rank, Reverse<usize>),
    /// Matches a Windows host: higher revision first.
    WindowsMatched(Reverse<i64>),
    /// No match: ordered by where it would match without its OS features.
    Unmatched(Rank),
}

impl Matcher {
    /// The matcher containerd builds for `host` in `mode` (see [`MatchMode`]).
    pub fn new(host: &Platform, mode: MatchMode) -> Matcher {
        let normalized = normalize(host.clone());
        // `NewMatcher` looks at the OS it is given: `Only` and `OnlyStrict` give it the
        // normalized host, a bare `NewMatcher` the host as is.
        let windows = match mode {
            MatchMode::Exact => host.os == "windows",
            MatchMode::Only | MatchMode::Strict => normalized.os == "windows",
        };
        let entries = match mode {
            MatchMode::Only => platform_vector(&normalized),
            MatchMode::Strict | MatchMode::Exact => vec![Entry::One {
                architecture: normalized.architecture.clone(),
                variant: normalized.variant_str().to_owned(),
            }],
        };
        let ordering = if mode == MatchMode::Exact && windows {
            Ordering::WindowsRevision
        } else {
            Ordering::Ordered
        };
        Matcher {
            host_version: WindowsVersion::parse(normalized.os_version_str()),
            host: normalized,
            windows,
            entries,
            ordering,
        }
    }

    /// The normalized host platform.
    pub fn host(&self) -> &Platform {
        &self.host
    }

    /// Containerd's `Match`: can the host run `candidate`?
    pub fn matches(&self, candidate: &Platform) -> bool {
        self.rank(&normalize(candidate.clone()), candidate, false) != Rank::Never
    }

    /// Containerd's `Less`: should `a` be preferred to `b`?
    pub fn less(&self, a: &Platform, b: &Platform) -> bool {
        self.sort_key(a) < self.sort_key(b)
    }

    /// The key [`Matcher::less`] compares: `less(a, b)` is `sort_key(a) < sort_key(b)`.
    pub fn sort_key(&self, candidate: &Platform) -> SortKey {
        let normalized = normalize(candidate.clone());
        let rank = self.rank(&normalized, candidate, false);
        let key = match (self.ordering, rank) {
            (Ordering::WindowsRevision, Rank::Never) => Key::Unmatched(Rank::Never),
            (Ordering::WindowsRevision, _) => {
                Key::WindowsMatched(Reverse(revision(candidate.os_version_str())))
            }
            (Ordering::Ordered, Rank::Never) => {
                // Two candidates that match nothing are compared again without their OS
                // features, so a featureful near-miss sorts before an unrelated platform.
                let without_features = if candidate.os_features_slice().is_empty() {
                    Rank::Never
                } else {
                    self.rank(&normalized, candidate, true)
                };
                Key::Unmatched(without_features)
            }
            (Ordering::Ordered, rank) => {
                Key::Matched(rank, Reverse(candidate.os_features_slice().len()))
            }
        };
        SortKey(key)
    }

    /// Sort `candidates` best first, stably (equal candidates keep their order).
    pub fn sort(&self, candidates: &mut [Platform]) {
        self.sort_by_platform(candidates, |p| Some(p));
    }

    /// Sort any items best first by their platform, stably; items without one go last, as
    /// candidates that match nothing.
    pub fn sort_by_platform<T, F>(&self, items: &mut [T], mut platform_of: F)
    where
        F: FnMut(&T) -> Option<&Platform>,
    {
        // The crate's one sort (crate::order) over the keys, as `sort_by_cached_key` would.
        let keys: Vec<SortKey> = items
            .iter()
            .map(|item| match platform_of(item) {
                Some(p) => self.sort_key(p),
                None => SortKey(Key::Unmatched(Rank::Never)),
            })
            .collect();
        let order = crate::order::sorted_order(keys.len(), &mut |a, b| keys[a].cmp(&keys[b]));
        crate::order::permute(items, &order);
    }

    /// The first entry `normalized` matches. `raw` is the candidate as given (containerd
    /// checks the OS version before normalizing); `ignore_features` drops its OS features.
    fn rank(&self, normalized: &Platform, raw: &Platform, ignore_features: bool) -> Rank {
        if normalized.os != self.host.os {
            return Rank::Never;
        }
        if self.windows && !self.host_version.runs(raw.os_version_str()) {
            return Rank::Never;
        }
        if !ignore_features && !self.features_supported(normalized.os_features_slice()) {
            return Rank::Never;
        }
        let architecture = normalized.architecture.as_str();
        let variant = normalized.variant_str();
        for (index, entry) in self.entries.iter().enumerate() {
            match entry {
                Entry::One {
                    architecture: a,
                    variant: v,
                } => {
                    if a == architecture && v == variant {
                        return Rank::At(index, 0);
                    }
                }
                Entry::Descending {
                    architecture: numbered,
                    high,
                    low,
                } => {
                    let number = match (numbered, architecture) {
                        (Numbered::Amd64, "amd64") if variant.is_empty() => Some(1),
                        (Numbered::Amd64, "amd64") => canonical_v(variant).filter(|&n| n >= 2),
                        (Numbered::Arm, "arm") => canonical_v(variant),
                        _ => None,
                    };
                    if let Some(n) = number.filter(|n| (*low..=*high).contains(n)) {
                        return Rank::At(index, high.abs_diff(n));
                    }
                }
            }
        }
        Rank::Never
    }

    /// The candidate's (sorted, de-duplicated) OS features are a subset of the host's; a
    /// Windows host ignores `win32k`, which older releases never compared.
    fn features_supported(&self, wanted: &[String]) -> bool {
        let have = self.host.os_features_slice();
        let mut have_iter = have.iter().peekable();
        for feature in wanted {
            if self.windows && feature == "win32k" {
                continue;
            }
            // Both lists are sorted: skip the host's smaller features, then it must be next.
            while have_iter.next_if(|h| *h < feature).is_some() {}
            if have_iter.next_if(|h| *h == feature).is_none() {
                return false;
            }
        }
        true
    }
}

/// Containerd's `platformVector` for a normalized host, with numbered runs kept as ranges.
fn platform_vector(host: &Platform) -> Vec<Entry> {
    let variant = host.variant_str();
    let mut entries = vec![one(&host.architecture, variant)];
    match host.architecture.as_str() {
        "amd64" => {
            // amd64/vN also runs vN-1 .. v1, then 386.
            if let Some(n) = go_atoi(trim_v(variant)).filter(|&n| n > 1) {
                entries.push(Entry::Descending {
                    architecture: Numbered::Amd64,
                    high: n - 1,
                    low: 1,
                });
            }
            entries.push(one("386", ""));
        }
        "arm" => push_arm_below(&mut entries, variant),
        "arm64" => {
            let mut variant = if variant.is_empty() { "v8" } else { variant };
            let (major, minor) = match variant.split_once('.') {
                Some((major, minor)) => (major, Some(minor)),
                None => (variant, None),
            };
            if let Some(mut arm_major) = go_atoi(trim_v(major)).filter(|&m| m >= 8) {
                // Upstream only reads a minor version from four-character variants (`v8.2`).
                let mut arm_minor = match minor {
                    Some(minor) if variant.len() == 4 => go_atoi(minor).unwrap_or(0),
                    _ => 0,
                };
                if arm_major == 9 {
                    push_arm64_minors(&mut entries, 9, arm_minor);
                    // Armv9.x has the Armv8.(x+5) baseline; Armv8 stops at .9.
                    arm_minor = (arm_minor + 5).min(9);
                    arm_major = 8;
                    entries.push(one("arm64", &format!("v8.{arm_minor}")));
                }
                push_arm64_minors(&mut entries, arm_major, arm_minor);
            }
            // Every arm64 runs 32-bit arm from v8 (the variant itself when it has no minor).
            if variant.starts_with("v8.") || variant.starts_with("v9.") {
                variant = "v8";
            }
            entries.push(one("arm", variant));
            push_arm_below(&mut entries, variant);
        }
        _ => {}
    }
    entries
}

/// `arm/vN` also runs `arm/vN-1` .. `arm/v5` (the `arm` arm of `platformVector`, after the
/// platform itself).
fn push_arm_below(entries: &mut Vec<Entry>, variant: &str) {
    if let Some(n) = go_atoi(trim_v(variant)).filter(|&n| n > 5) {
        entries.push(Entry::Descending {
            architecture: Numbered::Arm,
            high: n - 1,
            low: 5,
        });
    }
}

/// `arm64/v{major}.{minor-1}` down to `arm64/v{major}` (minor 0 is written without it).
/// `minor` comes from at most two characters, so this is at most 99 entries.
fn push_arm64_minors(entries: &mut Vec<Entry>, major: i64, minor: i64) {
    for m in (0..minor).rev() {
        let variant = if m == 0 {
            format!("v{major}")
        } else {
            format!("v{major}.{m}")
        };
        entries.push(one("arm64", &variant));
    }
}

/// An entry for one platform, normalized as `NewMatcher` normalizes it.
fn one(architecture: &str, variant: &str) -> Entry {
    let (architecture, variant) = normalize_arch(architecture, variant);
    Entry::One {
        architecture,
        variant,
    }
}

/// `strings.TrimPrefix(s, "v")`.
fn trim_v(s: &str) -> &str {
    s.strip_prefix('v').unwrap_or(s)
}

/// `n` when `s` is exactly `"v" + strconv.Itoa(n)` for some `n >= 0`.
fn canonical_v(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('v')?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 1 || !digits.starts_with('0'));
    if canonical {
        digits.parse().ok()
    } else {
        None
    }
}

/// Sort `candidates` best first for `host` in `mode`, stably: containerd's
/// `sort.SliceStable(candidates, matcher.Less)`.
///
/// ```
/// use pullgate::platform::{parse, sort, MatchMode};
/// let host = parse("linux/amd64/v3").unwrap();
/// let mut c: Vec<_> = ["linux/386", "linux/arm64", "linux/amd64", "linux/amd64/v3"]
///     .iter().map(|s| parse(s).unwrap()).collect();
/// sort(&host, &mut c, MatchMode::Only);
/// let order: Vec<_> = c.iter().map(pullgate::platform::format).collect();
/// assert_eq!(order, ["linux/amd64/v3", "linux/amd64", "linux/386", "linux/arm64"]);
/// ```
pub fn sort(host: &Platform, candidates: &mut [Platform], mode: MatchMode) {
    Matcher::new(host, mode).sort(candidates);
}
