//! The native core knows no JavaScript: `cargo tree -e normal` for the host target must not
//! contain any of the wasm-only crates (STYLE.md, "The core is sans-I/O"). The same query for
//! wasm32 must contain them, so this check can't pass by looking at the wrong tree.

use std::process::Command;

const WASM_ONLY: &[&str] = &[
    "wasm-bindgen",
    "js-sys",
    "web-sys",
    "gloo-net",
    "wasm-bindgen-futures",
    "serde-wasm-bindgen",
];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn host_triple() -> String {
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    let text = String::from_utf8(out.stdout).expect("rustc -vV prints UTF-8");
    text.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_string()
}

/// The crate names in `cargo tree -e normal --target <target>` (one per line, `--prefix none`).
fn tree(target: &str) -> Vec<String> {
    let out = cargo()
        .args([
            "tree", "-e", "normal", "--prefix", "none", "--target", target,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree --target {target} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("cargo tree prints UTF-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn native_tree_has_no_wasm_only_crates() {
    let host = host_triple();
    let crates = tree(&host);
    assert!(
        crates.iter().any(|c| c == "pullgate"),
        "the tree is pullgate's"
    );
    let found: Vec<&str> = WASM_ONLY
        .iter()
        .copied()
        .filter(|name| crates.iter().any(|c| c == name))
        .collect();
    assert!(
        found.is_empty(),
        "the {host} build of pullgate depends on {found:?}"
    );
}

#[test]
fn wasm_tree_has_them() {
    let crates = tree("wasm32-unknown-unknown");
    for name in ["wasm-bindgen", "js-sys"] {
        assert!(
            crates.iter().any(|c| c == name),
            "{name} is in the wasm32 tree"
        );
    }
}
