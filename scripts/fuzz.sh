#!/usr/bin/env bash
# Fuzz the sans-IO core (fuzz/: targets response, retry_after, cache, redact) with cargo-fuzz + libFuzzer.
#
#   scripts/fuzz.sh                      every target, 2,000,000 executions each          (make fuzz)
#   scripts/fuzz.sh --runs 2000          smoke run: 2,000 executions each                 (make test-hardening)
#   scripts/fuzz.sh --seconds 90 response    time-boxed run of one target
#   FUZZ_JOBS=2 scripts/fuzz.sh          libFuzzer workers per target (default 1: the machine is shared)
#
# Installs what it needs (the nightly toolchain and cargo-fuzz) if missing. New inputs go to the
# scratch corpus fuzz/work/<target>/ (git-ignored); the committed seeds in fuzz/corpus/<target>/ are
# only read. A crash leaves its input in fuzz/artifacts/<target>/ and makes this script fail; replay it
# with `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-…`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

RUNS=2000000
SECONDS_LIMIT=""
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --seconds) SECONDS_LIMIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(response retry_after cache redact)

# cargo-fuzz needs nightly (sanitizer flags). This machine kind ships it; if a machine has none and it
# cannot be installed, a smoke run (make test) says so loudly and is skipped, a real run fails.
SMOKE=0
[ -z "$SECONDS_LIMIT" ] && [ "$RUNS" -le 10000 ] && SMOKE=1
if ! rustup toolchain list | grep -q '^nightly'; then
  if ! rustup toolchain install nightly --profile minimal; then
    if [ "$SMOKE" = 1 ]; then
      echo "fuzz: SKIPPED: no nightly toolchain on this machine and it cannot be installed" >&2
      exit 0
    fi
    exit 1
  fi
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Build once (release + debug assertions, sanitizer: address).
cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O

for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
  limit=(-runs="$RUNS")
  [ -n "$SECONDS_LIMIT" ] && limit=(-max_total_time="$SECONDS_LIMIT")
  jobs=()
  [ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  echo "fuzz: $t (${limit[*]})"
  start=$(date +%s)
  # -max_len: token bodies beyond 64 KiB add nothing the validator does not already see.
  if ! cargo +nightly fuzz run -O "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
      "${limit[@]}" "${jobs[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
      >"fuzz/work/$t.log" 2>&1; then
    tail -n 40 "fuzz/work/$t.log"
    echo "fuzz: $t FAILED (log: fuzz/work/$t.log, input in fuzz/artifacts/$t/)" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz/work/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "fuzz/work/$t.log" | tail -1 || true)
  echo "fuzz: $t ok: ${execs:-?} executions, ${cov:-cov ?}, $(( $(date +%s) - start )) s"
done
