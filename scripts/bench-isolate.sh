#!/usr/bin/env bash
# Times the whole suite on one warm kind cluster three ways and checks the claim verdicts agree:
#   verbatim --jobs 1, verbatim --jobs N, --isolate --jobs N; then two --isolate runs at the same time.
# Usage: bash scripts/bench-isolate.sh [BINARY] (default: target/release/sa-conformance, else debug).
# Uses the cluster `sa-conformance-bench` (created with `cluster up` if missing, deleted at the end
# only if this script created it). Prints one line per run: wall seconds, peak RSS, exit, verdicts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-}
[ -n "$bin" ] || { [ -x target/release/sa-conformance ] && bin=target/release/sa-conformance; } || bin=target/debug/sa-conformance
[ -x "$bin" ] || { echo "no binary: cargo build --release first" >&2; exit 2; }
name=sa-conformance-bench
jobs=${JOBS:-8}
work=$(mktemp -d)
made=no
cleanup() { [ "$made" = yes ] && "$bin" cluster down --name "$name" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
if ! "$bin" cluster up --name "$name" 2>"$work/up.err" | grep -q "is up"; then cat "$work/up.err" >&2; exit 1; fi
grep -q "creating kind cluster" "$work/up.err" && made=yes

run() { # run LABEL ARGS...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$bin" run --reuse --name "$name" --json "$work/$label.json" "$@" >"$work/$label.out" 2>"$work/$label.err" && rc=0 || rc=$?
  read -r secs kb <"$work/$label.time"
  printf '%-22s %6ss  %4s MB  exit %s  %s\n' "$label" "$secs" "$((kb / 1024))" "$rc" "$(grep '^claims:' "$work/$label.out")"
}
run verbatim-jobs1
run "verbatim-jobs$jobs" --as-written --jobs "$jobs"
run "isolate-jobs$jobs" --isolate --jobs "$jobs"
python3 - "$work/verbatim-jobs1.json" "$work/isolate-jobs$jobs.json" <<'PY'
import json, sys
a, b = ({c["id"]: c["verdict"] for c in json.load(open(p))["claims"]} for p in sys.argv[1:3])
diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
print(f"claim verdicts, verbatim vs isolated: {len(a)} claims, {len(diff)} differ {diff if diff else ''}")
sys.exit(1 if diff else 0)
PY
run concurrent-a --isolate --jobs "$jobs" & sleep 1; run concurrent-b --isolate --jobs "$jobs"; wait
