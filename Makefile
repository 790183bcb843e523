# pullgate: `make demo` runs the whole system locally, `make test` checks all of it.
# Both install what is missing first (scripts/install.sh is idempotent and fast).
.PHONY: all install build demo test bench bench-js fuzz

all: build

install:
	@scripts/install.sh

# The release wasm twice: the npm package in pkg/ (API.md's surface), and with the gateway's
# and explorer's own exports for worker/pkg/ and www/pkg/ (scripts/build-pkg.mjs runs cargo).
build: install
	node scripts/build-pkg.mjs

# Registry on 127.0.0.1:5000 (seeded), gateway on 127.0.0.1:8787; Ctrl-C stops both.
# UPSTREAM=https://registry-1.docker.io make demo fronts another registry instead.
demo: build
	node scripts/demo.mjs

# Every step fails the target. js.rs only exists on wasm32, hence the wasm clippy runs (the npm
# package's build, and the full one with the gateway's and explorer's exports);
# cargo test includes tests/deps.rs (no wasm-only crate in the native dependency tree).
test: install
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --features gateway,explorer -- -D warnings
	cargo test
	@$(MAKE) --no-print-directory build
	node --test --test-reporter=spec tests/js/
	node --test --test-reporter=spec tests/worker/
	node --test --test-reporter=spec tests/e2e/

# The core (criterion), then the gateway: its wasm logic per request, streaming digest checks
# in workerd, and the load rounds (wrk, 10 s each, interleaved; about 5 minutes).
bench: build
	cd bench && cargo bench
	@$(MAKE) --no-print-directory bench-js
	node bench/load/logic.mjs
	node bench/load/digest.mjs
	node bench/load/run.mjs --seconds 10 --rounds 2
	node bench/www/explorer.mjs

# The npm package in Node beside @swimlane/docker-reference and node:crypto, in one run; the
# figures (ratios) go into BENCHMARKS.md, section "npm package (Node)".
bench-js: build
	node bench/js/bench.mjs --write

# Every cargo-fuzz target for FUZZ_SECONDS (default 30) each, with a summary of executions.
fuzz: install
	scripts/fuzz.sh
