#!/usr/bin/env bash
# Where a whole-suite run's time goes on a warm kind cluster: per run, the wall time, the CPU seconds
# of sa-conformance and its children (kubectl), the CPU seconds of the kind node container (cgroup v1
# cpuacct: kube-apiserver, etcd, kubelet, containerd, pods), and the API requests the run made
# (kube-apiserver's apiserver_request_total, before and after: all of them, and SubjectAccessReviews).
#
#   bash scripts/bench-cpu.sh [BINARY] [RUNS] [-- extra `run` arguments]
#
# Needs the cluster up (`sa-conformance cluster up --name $NAME`, NAME defaults to
# sa-conformance-bench) and nothing else running. Prints one line per run, then the medians.
set -euo pipefail
BIN=${1:-target/release/sa-conformance}
RUNS=${2:-5}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
NAME=${NAME:-sa-conformance-bench}
KUBECONFIG_FILE="$HOME/.local/state/sa-conformance/clusters/$NAME.kubeconfig"
KUBECTL=${KUBECTL:-$(command -v kubectl || echo /var/cache/sa-conformance/bin/kubectl)}
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage=$(node_cpuacct "$NAME") || exit 2

requests() { # total, then SubjectAccessReviews
    "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get --raw /metrics |
        awk '/^apiserver_request_total\{/ { v=$NF; t+=v; if ($0 ~ /resource="subjectaccessreviews"/) s+=v } END { printf "%d %d\n", t, s }'
}

walls=(); ours=(); nodes=()
printf "%-4s %8s %10s %10s %9s %7s\n" run wall ours_cpu node_cpu requests SARs
for i in $(seq 1 "$RUNS"); do
    read -r t0 s0 < <(requests)
    n0=$(cat "$usage")
    out=$(mktemp)
    /usr/bin/time -f "%e %U %S" -o "$out.time" "$BIN" run --reuse --keep --name "$NAME" --jobs 8 "$@" > "$out" 2>&1 || { tail -20 "$out"; echo "bench-cpu: run $i failed" >&2; exit 1; }
    n1=$(cat "$usage")
    read -r t1 s1 < <(requests)
    read -r wall u s < "$out.time"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')
    node_cpu=$(awk -v a="$n0" -v b="$n1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    grep -q "scenarios: 13 passed, 0 failed" "$out" || { tail -20 "$out"; echo "bench-cpu: run $i did not pass every scenario" >&2; exit 1; }
    printf "%-4s %7.1fs %9ss %9ss %9d %7d\n" "$i" "$wall" "$cpu" "$node_cpu" $((t1 - t0)) $((s1 - s0))
    walls+=("$wall"); ours+=("$cpu"); nodes+=("$node_cpu")
    rm -f "$out" "$out.time"
done
median() { printf "%s\n" "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "median: wall $(median "${walls[@]}") s, sa-conformance+kubectl $(median "${ours[@]}") CPU-s, node $(median "${nodes[@]}") CPU-s"
