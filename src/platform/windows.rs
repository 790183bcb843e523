//! Windows `os.version` compatibility (`platform_windows_compat.go`).
//!
//! A Windows container runs on a host with the same major and minor version. Before Windows
//! Server 2022 (build 20348) the build must match too. Since then the ABI is stable across
//! LTSC releases: a host runs containers from the latest LTSC release strictly older than
//! itself (or from 2022 itself, for a 2022 host) up to its own build.
//! See <https://learn.microsoft.com/en-us/virtualization/windowscontainers/deploy-containers/version-compatibility>.

/// Windows Server 2022 (`ltsc2022`, 21H2): the first stable-ABI release.
const LTSC2022: u16 = 20348;

/// Windows Server 2025 (`ltsc2025`).
const LTSC2025: u16 = 26100;

/// The stable-ABI LTSC releases, ascending.
const COMPAT_LTSC_RELEASES: [u16; 2] = [LTSC2022, LTSC2025];

/// `major.minor.build` of a Windows `os.version` (`windowsOSVersion`); all zero when the
/// version does not have that shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct WindowsVersion {
    major: u8,
    minor: u8,
    build: u16,
}

impl WindowsVersion {
    /// `getWindowsOSVersion`: the first three dot-separated fields as unsigned decimals
    /// (`u8`, `u8`, `u16`); anything else is the zero version.
    pub(crate) fn parse(v: &str) -> Self {
        if v.bytes().filter(|&b| b == b'.').count() < 2 {
            return Self::default();
        }
        let mut fields = v.splitn(4, '.');
        let major = fields.next().and_then(parse_go_uint::<u8>);
        let minor = fields.next().and_then(parse_go_uint::<u8>);
        let build = fields.next().and_then(parse_go_uint::<u16>);
        match (major, minor, build) {
            (Some(major), Some(minor), Some(build)) => WindowsVersion {
                major,
                minor,
                build,
            },
            _ => Self::default(),
        }
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `windowsVersionMatcher.Match`: can a host of this version run a container declaring
    /// `container`? A host without a version, or a container without one, always can.
    pub(crate) fn runs(&self, container: &str) -> bool {
        if self.is_empty() || container.is_empty() {
            return true;
        }
        host_runs_container(*self, WindowsVersion::parse(container))
    }
}

/// `checkWindowsHostAndContainerCompat`.
fn host_runs_container(host: WindowsVersion, ctr: WindowsVersion) -> bool {
    if host.major != ctr.major || host.minor != ctr.minor {
        return false;
    }
    if host.build < LTSC2022 {
        return host.build == ctr.build;
    }
    // The earliest container build this host runs: the latest LTSC strictly before the host
    // (an LTSC host also runs the previous LTSC), or 2022 for a 2022 host.
    let oldest = COMPAT_LTSC_RELEASES
        .iter()
        .rev()
        .find(|&&release| host.build > release)
        .copied()
        .unwrap_or(LTSC2022);
    oldest <= ctr.build && ctr.build <= host.build
}

/// `winRevision`: the fourth dot-separated field as a Go `Atoi`, 0 when absent or invalid.
pub(crate) fn revision(v: &str) -> i64 {
    v.split('.').nth(3).and_then(go_atoi).unwrap_or(0)
}

/// Go's `strconv.ParseUint(s, 10, bits)`: ASCII digits only, no sign, in range.
fn parse_go_uint<T: TryFrom<u64>>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().and_then(|n| T::try_from(n).ok())
}

/// Go's `strconv.Atoi` on a 64-bit platform: an optional sign, ASCII digits, in `i64` range.
pub(crate) fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(build: u16) -> WindowsVersion {
        WindowsVersion {
            major: 10,
            minor: 0,
            build,
        }
    }

    #[test]
    fn compat_table() {
        // platform_windows_compat_test.go Test_PlatformCompat
        let (rs5, ltsc2019, v22h2, v23h2) = (17763, 17763, 22621, 25398);
        for (host, ctr, runs) in [
            (ltsc2019, ltsc2019, true),
            (ltsc2019, LTSC2022, false),
            (LTSC2022, ltsc2019, false),
            (LTSC2022, LTSC2022, true),
            (v22h2, ltsc2019, false),
            (v22h2, LTSC2022, true),
            (v23h2, ltsc2019, false),
            (v23h2, LTSC2022, true),
            (LTSC2025, LTSC2022, true),
            (LTSC2022, LTSC2025, false),
            (LTSC2022, v22h2, false),
            (LTSC2025, v22h2, true),
            (rs5, rs5, true),
        ] {
            assert_eq!(host_runs_container(v(host), v(ctr)), runs, "{host} {ctr}");
        }
    }

    #[test]
    fn parses_like_go() {
        assert_eq!(WindowsVersion::parse("10.0.17763.1234"), v(17763));
        assert_eq!(WindowsVersion::parse("10.0.17763"), v(17763));
        assert_eq!(WindowsVersion::parse("010.00.017763"), v(17763));
        assert!(WindowsVersion::parse("10.0").is_empty());
        assert!(WindowsVersion::parse("256.0.1").is_empty());
        assert!(WindowsVersion::parse("10.0.65536").is_empty());
        assert!(WindowsVersion::parse("+10.0.1").is_empty());
        assert_eq!(revision("10.0.17763.42"), 42);
        assert_eq!(revision("10.0.17763.+42"), 42);
        assert_eq!(revision("10.0.17763.x"), 0);
        assert_eq!(revision("10.0.17763"), 0);
        assert_eq!(go_atoi("-0"), Some(0));
        assert_eq!(go_atoi("+"), None);
        assert_eq!(go_atoi("9223372036854775808"), None);
    }
}
