//! The names containerd knows and their canonical spellings (`database.go`, itself generated
//! from Go's `go/build/syslist.go`).

use super::DEFAULT_OS;

/// `isKnownOS`: an operating system Go knows (the value should be normalized first).
pub fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
    )
}

/// `isKnownArch`: an architecture Go knows (the value should be normalized first).
pub fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
}

/// `normalizeOS`: lower-cased, `macos` is `darwin`, and an empty OS is the default OS
/// (containerd uses the host's; pullgate uses [`DEFAULT_OS`]).
pub fn normalize_os(os: &str) -> String {
    if os.is_empty() {
        return DEFAULT_OS.to_owned();
    }
    let os = go_to_lower(os);
    if os == "macos" {
        return "darwin".to_owned();
    }
    os
}

/// `normalizeArch`: the canonical `(architecture, variant)` pair; both are lower-cased and
/// an empty variant is `""`.
///
/// | given | canonical |
/// |---|---|
/// | `i386` (any variant) | `386` |
/// | `x86_64`, `x86-64`, `amd64` | `amd64`, variant `v1` dropped |
/// | `aarch64`, `arm64` | `arm64`, variants `8`, `v8`, `v8.0` dropped, `9`, `9.0`, `v9.0` are `v9` |
/// | `armhf` (any variant) | `arm`, `v7` |
/// | `armel` (any variant) | `arm`, `v6` |
/// | `arm` | no variant or `7` is `v7`; `5`, `6`, `8` are `v5`, `v6`, `v8` |
pub fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = go_to_lower(arch);
    let variant = go_to_lower(variant);
    match arch.as_str() {
        "i386" => ("386".to_owned(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let variant = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".to_owned(), variant)
        }
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".to_owned(),
                _ => variant,
            };
            ("arm64".to_owned(), variant)
        }
        "armhf" => ("arm".to_owned(), "v7".to_owned()),
        "armel" => ("arm".to_owned(), "v6".to_owned()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".to_owned(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            (arch, variant)
        }
        _ => (arch, variant),
    }
}

/// Go's `strings.ToLower`: Unicode simple lower-case mapping, one character for one (so
/// `İ` becomes `i`, and a final `Σ` is `σ`, unlike `str::to_lowercase`).
pub(crate) fn go_to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(crate::lower::simple_lower).collect()
}
