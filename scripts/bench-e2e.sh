#!/usr/bin/env bash
# The e2e trials that use the shared warm cluster (the fault trials, which make, stop, pause or break
# kind clusters of their own, skipped), timed: the wall time, the CPU seconds of the test process and
# its children (the sa-conformance binary it runs, kubectl), the CPU seconds of the kind node container
# (cgroup v1 cpuacct), the longest trials with the time each waited for the gate, and the API
# requests the run made (kube-apiserver's apiserver_request_total before and after, by verb and
# resource). Each trial's line in the log also says when it entered the gate and whether it ran alone.
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
KUBECONFIG_FILE="$HOME/.local/state/sa-conformance/clusters/$NAME.kubeconfig"
KUBECTL=${KUBECTL:-$(command -v kubectl || echo "$SA_CACHE/bin/kubectl")}
# requests FILE: kube-apiserver's request counters, one "verb resource/subresource count" a line
requests() {
    "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get --raw /metrics |
        awk '/^apiserver_request_total\{/ {
            match($0, /verb="[^"]*"/); v = substr($0, RSTART + 6, RLENGTH - 7)
            match($0, /resource="[^"]*"/); r = substr($0, RSTART + 10, RLENGTH - 11)
            sr = ""; if (match($0, /subresource="[^"]*"/)) sr = "/" substr($0, RSTART + 13, RLENGTH - 14)
            n[v " " r sr] += $NF
        } END { for (k in n) print k, n[k] }' > "$1"
}
requests "$LOG.requests0"
n0=$(cat "$usage")
SA_CONFORMANCE_CLUSTER_NAME=$NAME SA_CONFORMANCE_KEEP=1 /usr/bin/time -f "%e %U %S" -o "$LOG.time" "$bin" "${skip[@]}" "$@" > "$LOG" 2>&1 && rc=0 || rc=$?
n1=$(cat "$usage")
requests "$LOG.requests1"
read -r wall u s < <(tail -1 "$LOG.time")
grep -E "^test result:" "$LOG" || true
echo "wall ${wall}s, the test process and its children $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }') CPU-s, the node $(awk -v a="$n0" -v b="$n1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') CPU-s, exit $rc"
echo "the longest trials (own time, time waited for the gate):"
sed -nE 's/.*e2e: (.*) took ([0-9.]+)s \(waited ([0-9.]+)s.*/\2 \3 \1/p' "$LOG" | sort -rn | head -"${TOP:-15}" | awk '{ printf "  %6.1fs %6.1fs  %s\n", $1, $2, $3 }'
sed -nE 's/.*e2e: (.*) took ([0-9.]+)s.*/\2/p' "$LOG" | awk '{ s += $1; n++ } END { printf "%d trials, %.1f s of trial time in all\n", n, s }'
echo "the API requests it made (kube-apiserver's apiserver_request_total, by verb and resource):"
awk 'NR == FNR { a[$1 " " $2] = $3; next } { d = $3 - a[$1 " " $2]; if (d > 0) { print d, $1, $2; t += d } } END { print t, "all", "" > "/dev/stderr" }' \
    "$LOG.requests0" "$LOG.requests1" 2> "$LOG.requests-total" | sort -rn | head -"${TOP:-15}" | awk '{ printf "  %7d %-7s %s\n", $1, $2, $3 }'
awk '{ printf "  %7d in all\n", $1 }' "$LOG.requests-total"
exit "$rc"
