#!/usr/bin/env bash
# The whole scenario suite on a warm cluster: wall time, the time in steps (sum of the steps'
# durations in the JSON report) and the rest (claiming namespaces, cleanup, waiting for namespaces to
# be deleted), which is what scripts/bench-vs-chainsaw.sh's docs call setup+cleanup.
# Usage: bash scripts/bench-suite-split.sh [BINARY] [CLUSTER_NAME]
#        (default: the release build; cluster sa-conformance-speed, which must exist)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
[ -f "$SA_CACHE/offline.env" ] && source "$SA_CACHE/offline.env"
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/sa-conformance}"
NAME="${2:-sa-conformance-speed}"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
a=$(date +%s%3N)
"$BIN" run --reuse --keep --name "$NAME" --json /tmp/bench-suite-split.json >/tmp/bench-suite-split.log 2>&1 || true
b=$(date +%s%3N)
python3 - "$a" "$b" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
a, b, load0, load1 = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
d = json.load(open("/tmp/bench-suite-split.json"))
steps = sum(s["duration_ms"] for sc in d["scenarios"] for s in sc["steps"])
n = sum(len(sc["steps"]) for sc in d["scenarios"])
wall = b - a
failed = [sc["name"] for sc in d["scenarios"] if any(s["status"] != "passed" for s in sc["steps"]) or sc.get("cleanup_errors")]
print(f"{len(d['scenarios'])} scenarios, {n} steps: wall {wall/1000:.1f} s, steps {steps/1000:.1f} s, "
      f"setup+cleanup {(wall-steps)/1000:.1f} s ({100*(wall-steps)/wall:.0f}%); load {load0} -> {load1}; "
      f"{'all passed' if not failed else 'NOT PASSED: ' + ', '.join(failed)}")
PY
