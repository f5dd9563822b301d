#!/usr/bin/env bash
# The e2e trials that use the shared warm cluster (the fault trials, which make, stop, pause or break
# kind clusters of their own, skipped), timed: the wall time, the CPU seconds of the test process and
# its children (the sa-conformance binary it runs, kubectl), the CPU seconds of the kind node container
# (cgroup v1 cpuacct), and the longest trials with the time each waited for the gate.
#
#   bash scripts/bench-e2e.sh [extra libtest arguments, e.g. --test-threads 4]
#
# Needs the cluster up (`sa-conformance cluster up --name $NAME`, NAME defaults to
# sa-conformance-bench) and nothing else running. The log is kept in $LOG (default
# /tmp/bench-e2e.log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NAME=${NAME:-sa-conformance-bench}
LOG=${LOG:-/tmp/bench-e2e.log}
# shellcheck source=lib.sh
source scripts/lib.sh
usage=$(node_cpuacct "$NAME") || exit 2
# The fault trials: each builds, stops, pauses, restarts or deletes a kind cluster (or the host's
# Docker) of its own, so they do not measure the shared cluster.
skip=()
for p in cache_full:: cluster_up:: credentials:: disk_full:: kubeconfig:: paused:: profile:: reboot:: restarted:: setup:: teardown:: vanished:: interrupt::during ownership::; do
    skip+=(--skip "$p")
done
cargo test --test e2e --no-run 2>&1 | tail -1
bin=$(cargo test --test e2e --no-run --message-format=json 2>/dev/null | sed -n 's/.*"executable":"\([^"]*e2e[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "bench-e2e: cannot find the e2e test binary" >&2; exit 2; }
n0=$(cat "$usage")
SA_CONFORMANCE_CLUSTER_NAME=$NAME SA_CONFORMANCE_KEEP=1 /usr/bin/time -f "%e %U %S" -o "$LOG.time" "$bin" "${skip[@]}" "$@" > "$LOG" 2>&1 && rc=0 || rc=$?
n1=$(cat "$usage")
read -r wall u s < <(tail -1 "$LOG.time")
grep -E "^test result:" "$LOG" || true
echo "wall ${wall}s, the test process and its children $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }') CPU-s, the node $(awk -v a="$n0" -v b="$n1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') CPU-s, exit $rc"
echo "the longest trials (own time, time waited for the gate):"
sed -nE 's/.*e2e: (.*) took ([0-9.]+)s \(waited ([0-9.]+)s.*/\2 \3 \1/p' "$LOG" | sort -rn | head -"${TOP:-15}" | awk '{ printf "  %6.1fs %6.1fs  %s\n", $1, $2, $3 }'
sed -nE 's/.*e2e: (.*) took ([0-9.]+)s.*/\2/p' "$LOG" | awk '{ s += $1; n++ } END { printf "%d trials, %.1f s of trial time in all\n", n, s }'
exit "$rc"
