#!/usr/bin/env bash
# Where the walkthrough core's time goes (bench/walkthrough-core, as scripts/bench-vs-chainsaw.sh runs
# it in MODE=fast: `run --isolate`): RUNS runs on a warm cluster, each with a JSON report, then the
# median of every step's duration, of the scenario (claiming its namespace, the steps, issuing its
# cleanup) and of the whole process (the rest: starting, finding and checking the cluster, reports).
# Step durations include what the runner does after a step (the RBAC sentinel after a Role or
# RoleBinding; its cost is in the step's notes).
# Usage: [RUNS=7] bash scripts/bench-core-breakdown.sh BINARY [CLUSTER_NAME]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${1:?usage: bench-core-breakdown.sh BINARY [CLUSTER_NAME]}"
NAME="${2:-sa-conformance-speed}"
RUNS="${RUNS:-7}"
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
[ -f "$SA_CACHE/offline.env" ] && source "$SA_CACHE/offline.env"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== $RUNS runs of bench-walkthrough-core (--isolate) on $NAME; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" run --reuse --keep --name "$NAME" --isolate --scenarios-dir bench/walkthrough-core bench-walkthrough-core >/dev/null 2>&1 # warm-up
for i in $(seq "$RUNS"); do
  a=$(date +%s%3N)
  "$BIN" run --reuse --keep --name "$NAME" --isolate --scenarios-dir bench/walkthrough-core bench-walkthrough-core \
    --json "$out/$i.json" >"$out/$i.log" 2>&1 || { cat "$out/$i.log" >&2; exit 1; }
  echo $(($(date +%s%3N) - a)) >"$out/$i.wall"
done
python3 - "$out" "$RUNS" <<'EOF'
import json, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
runs = [(json.load(open(f"{d}/{i}.json")), int(open(f"{d}/{i}.wall").read())) for i in range(1, n + 1)]
med = lambda xs: statistics.median(xs)
steps = runs[0][0]["scenarios"][0]["steps"]
print(f"{'median ms':>10}  what")
for k, st in enumerate(steps):
    print(f"{med([r['scenarios'][0]['steps'][k]['duration_ms'] for r, _ in runs]):>10.0f}  step {st['index']}: {st['name']}")
steps_sum = med([sum(s["duration_ms"] for s in r["scenarios"][0]["steps"]) for r, _ in runs])
scenario = med([r["scenarios"][0]["duration_ms"] for r, _ in runs])
wall = med([w for _, w in runs])
over = med([w - r["scenarios"][0]["duration_ms"] for r, w in runs])
print(f"{steps_sum:>10.0f}  the steps together")
print(f"{scenario - steps_sum:>10.0f}  the scenario around them (claim the namespace, label it, issue its cleanup)")
print(f"{over:>10.0f}  the process around the scenario (start, find and guard the cluster, reports)")
print(f"{wall:>10.0f}  wall, whole process (min {min(w for _, w in runs)} ms)")
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
