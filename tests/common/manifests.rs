//! The shared manifest fixture directory, for the manifest test files.

use std::path::{Path, PathBuf};

use pullgate::manifest::{parse, Manifest};

/// `$PULLGATE_SHARED_FIXTURES` (the shared root, its `fixtures`, or the manifests folder
/// itself), else `../shared` beside the repository (CI's layout), else `/work/shared`.
/// Missing is a failure, never a skip.
pub fn shared_manifests() -> PathBuf {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("PULLGATE_SHARED_FIXTURES") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    roots.push(PathBuf::from("/work/shared"));
    for root in &roots {
        for dir in [
            root.clone(),
            root.join("manifests"),
            root.join("fixtures/manifests"),
        ] {
            if dir.join("index.json").is_file() {
                return dir;
            }
        }
    }
    panic!(
        "shared manifest fixtures not found (looked under {roots:?}); set PULLGATE_SHARED_FIXTURES"
    );
}

/// A shared fixture document, parsed.
pub fn shared_doc(file: &str) -> Manifest {
    let bytes = std::fs::read(shared_manifests().join(file)).unwrap();
    parse(&bytes, None).unwrap()
}
