#!/usr/bin/env bash
# make fuzz: every cargo-fuzz target for FUZZ_SECONDS (default 30) each, then one line per
# target with the executions and whether it found anything. Bounded: it always stops.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-30}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
targets=$(cargo +nightly fuzz list)
summary=()
status=0
for t in $targets; do
  log=$(mktemp)
  # Seeds: the shared JSON vectors' string arguments make a better start than nothing.
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  if [ $rc -eq 0 ]; then found="no findings"; else found="FOUND A CRASH (see fuzz/artifacts/$t)"; status=1; tail -n 30 "$log"; fi
  summary+=("$(printf '%-28s %12s execs in %ss  %s' "$t" "${execs:-?}" "$seconds" "$found")")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
