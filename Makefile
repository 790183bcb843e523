# pullgate: `make demo` runs the whole system locally, `make test` checks all of it.
# Every target installs what is missing first (scripts/install.sh is idempotent and fast).
.PHONY: all install build demo test test-rust test-deps test-js test-worker test-e2e bench

WASM := target/wasm32-unknown-unknown/release/pullgate.wasm

all: build

install:
	scripts/install.sh

# The wasm (release: the package ships it), then the npm package in pkg/ and its copies in
# www/pkg/ and worker/pkg/.
build: install
	cargo build --release --target wasm32-unknown-unknown
	node scripts/build-pkg.mjs

# Registry on 127.0.0.1:5000 (seeded), gateway on 127.0.0.1:8787; Ctrl-C stops both.
# UPSTREAM=https://registry-1.docker.io make demo fronts another registry instead.
demo: build
	node scripts/demo.mjs

test: install
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test
	$(MAKE) --no-print-directory build
	node --test tests/js/
	node --test tests/worker/
	node --test tests/e2e/

bench: install
	cd bench && cargo bench
