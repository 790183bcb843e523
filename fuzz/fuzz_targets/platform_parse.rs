//! Platform specifiers from the world: `parse` never panics, a parsed platform formats to a
//! specifier that parses back to it (features sorted), and matching it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pullgate::platform::{format, format_all, parse, MatchMode, Matcher};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (host_text, candidate_text) = text.split_once('\n').unwrap_or((text, "linux/amd64"));
    let Ok(host) = parse(host_text) else {
        return;
    };
    // `path.Join` cleans `.` and `..` components away, and a decoded OS option may hold
    // characters the grammar has no escape for (`%20`): only those can change on the trip.
    let dot_free = host_text.split('/').skip(1).all(|c| c != "." && c != "..");
    let options = host
        .os_version
        .iter()
        .chain(host.os_features.iter().flatten());
    let expressible = options
        .flat_map(|o| o.chars())
        .all(|c| c.is_ascii_alphanumeric() || "_.%+()/-".contains(c));
    if dot_free && expressible {
        let mut want = host.clone();
        if let Some(features) = want.os_features.as_mut() {
            features.sort();
            features.dedup();
        }
        assert_eq!(parse(&format_all(&host)).ok(), Some(want), "{host_text:?}");
    }
    let _ = format(&host);
    if let Ok(candidate) = parse(candidate_text) {
        for mode in [MatchMode::Only, MatchMode::Strict, MatchMode::Exact] {
            let m = Matcher::new(&host, mode);
            let _ = m.matches(&candidate);
            assert!(!(m.less(&host, &candidate) && m.less(&candidate, &host)));
        }
    }
});
