#!/usr/bin/env bash
# The whole scenario suite on a warm cluster: wall time, the time in steps (sum of the steps'
# durations in the JSON report) and the rest (claiming namespaces, cleanup, waiting for namespaces to
# be deleted), which is what scripts/bench-vs-chainsaw.sh's docs call setup+cleanup.
# With JOBS=N the suite runs with --jobs N: the steps' durations then add up over scenarios that ran
# at the same time, so wall - steps is no longer the setup+cleanup share (printed only for JOBS=1).
# Peak RSS of the harness comes from /usr/bin/time -v.
# Usage: [JOBS=N] bash scripts/bench-suite-split.sh [BINARY] [CLUSTER_NAME]
#        (default: the release build; cluster sa-conformance-speed, which must exist)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
[ -f "$SA_CACHE/offline.env" ] && source "$SA_CACHE/offline.env"
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/sa-conformance}"
NAME="${2:-sa-conformance-speed}"
JOBS="${JOBS:-1}"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
a=$(date +%s%3N)
rc=0
/usr/bin/time -v -o /tmp/bench-suite-split.time "$BIN" run --reuse --keep --name "$NAME" --jobs "$JOBS" --json /tmp/bench-suite-split.json \
  >/tmp/bench-suite-split.log 2>&1 || rc=$?
b=$(date +%s%3N)
rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' /tmp/bench-suite-split.time)
python3 - "$a" "$b" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$JOBS" "$rc" "$rss" <<'PY'
import json, sys
a, b, load0, load1 = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
jobs, rc, rss = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
d = json.load(open("/tmp/bench-suite-split.json"))
steps = sum(s["duration_ms"] for sc in d["scenarios"] for s in sc["steps"])
n = sum(len(sc["steps"]) for sc in d["scenarios"])
wall = b - a
failed = [sc["name"] for sc in d["scenarios"] if any(s["status"] == "failed" for s in sc["steps"]) or sc.get("cleanup_errors") or sc.get("setup_error")]
split = (f"steps {steps/1000:.1f} s, setup+cleanup {(wall-steps)/1000:.1f} s ({100*(wall-steps)/wall:.0f}%)" if jobs == 1
         else f"steps summed over scenarios {steps/1000:.1f} s")
print(f"--jobs {jobs}: {len(d['scenarios'])} scenarios, {n} steps: wall {wall/1000:.1f} s, {split}; peak RSS {rss} MB; "
      f"load {load0} -> {load1}; exit {rc}, {'all passed' if not failed and rc == 0 else 'NOT PASSED: ' + ', '.join(failed)}")
PY
