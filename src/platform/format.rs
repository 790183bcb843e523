//! `Format` and `FormatAll`: a [`Platform`] back to a specifier (`platforms.go`).

use super::Platform;

/// Containerd's `Format`: `os/arch[/variant]`, or `unknown` when the OS is empty.
///
/// Like upstream (`path.Join`), empty parts are skipped and the result is cleaned as a
/// slash-separated path. The platform is not normalized first.
///
/// ```
/// use pullgate::platform::{format, Platform};
/// assert_eq!(format(&Platform::new("linux", "arm").with_variant("v7")), "linux/arm/v7");
/// ```
pub fn format(platform: &Platform) -> String {
    if platform.os.is_empty() {
        return "unknown".to_owned();
    }
    join_clean(&[&platform.os, &platform.architecture, platform.variant_str()])
}

/// Containerd's `FormatAll`: like [`format()`], with the OS version and OS features kept as
/// `os(version+feature1+feature2)/arch[/variant]`.
///
/// Features are written sorted, without empty or repeated ones; `%`, `+`, `(`, `)` and `/`
/// in the version and features are percent-encoded, so [`parse`](super::parse) reads them
/// back.
///
/// ```
/// use pullgate::platform::{format_all, parse};
/// let p = parse("windows(10.0.17763+win32k)/amd64").unwrap();
/// assert_eq!(format_all(&p), "windows(10.0.17763+win32k)/amd64");
/// ```
pub fn format_all(platform: &Platform) -> String {
    if platform.os.is_empty() {
        return "unknown".to_owned();
    }
    let version = encode_os_option(platform.os_version_str());
    let features = format_os_features(platform.os_features_slice());
    if version.is_empty() && features.is_empty() {
        return format(platform);
    }
    let mut os = String::with_capacity(platform.os.len() + version.len() + features.len() + 3);
    os.push_str(&platform.os);
    os.push('(');
    os.push_str(&version);
    if !features.is_empty() {
        os.push('+');
        os.push_str(&features);
    }
    os.push(')');
    join_clean(&[&os, &platform.architecture, platform.variant_str()])
}

/// `formatOSFeatures`: sorted, empty and repeated features skipped, each encoded, `+`-joined.
fn format_os_features(features: &[String]) -> String {
    // The crate's one sort (crate::order); equal features are dropped, so stability is moot.
    let order =
        crate::order::sorted_order(features.len(), &mut |a, b| features[a].cmp(&features[b]));
    let mut sorted: Vec<&str> = order.iter().map(|&i| features[i].as_str()).collect();
    sorted.dedup();
    let mut out = String::new();
    for feature in sorted.into_iter().filter(|f| !f.is_empty()) {
        if !out.is_empty() {
            out.push('+');
        }
        out.push_str(&encode_os_option(feature));
    }
    out
}

/// `encodeOSOption`: percent-encode the characters that mean something in the OS part.
pub(crate) fn encode_os_option(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '%' => out.push_str("%25"),
            '+' => out.push_str("%2B"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `path.Join`: the non-empty elements joined with `/`, then `path.Clean`ed.
fn join_clean(elements: &[&str]) -> String {
    let joined = elements
        .iter()
        .filter(|e| !e.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    if joined.is_empty() {
        return String::new();
    }
    clean(&joined)
}

/// Go's `path.Clean`: one slash between names, no `.` names, `..` eating the name before it.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut names: Vec<&str> = Vec::new();
    for name in path.split('/') {
        match name {
            "" | "." => {}
            ".." => {
                if names.last().is_some_and(|last| *last != "..") {
                    names.pop();
                } else if !rooted {
                    names.push("..");
                }
            }
            name => names.push(name),
        }
    }
    let body = names.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn cleans_like_go_path_clean() {
        for (input, want) in [
            ("a/b", "a/b"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("a/..", "."),
            ("../a", "../a"),
            ("a/../../b", "../b"),
            ("/../a", "/a"),
            ("/", "/"),
            ("a/", "a"),
            ("..", ".."),
            ("../..", "../.."),
            ("a/b/../../..", ".."),
        ] {
            assert_eq!(clean(input), want, "{input}");
        }
    }
}
