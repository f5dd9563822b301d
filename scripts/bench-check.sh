#!/usr/bin/env bash
# Times `check` on a participant's lab: a lab built by the article's own commands in the namespace
# bench-lab (mapped from `dev`), then `check` of the whole walkthrough and of one section, RUNS times
# each (default 5), on the complete lab and on a lab without its RoleBinding. Prints min and median.
# Usage: bash scripts/bench-check.sh [BINARY] (default: target/release/sa-conformance, else debug).
# Uses the current kubectl context, or KUBECONFIG; creates and deletes only the namespace bench-lab
# (it refuses to start if that namespace exists).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-}
[ -n "$bin" ] || { [ -x target/release/sa-conformance ] && bin=target/release/sa-conformance; } || bin=target/debug/sa-conformance
[ -x "$bin" ] || { echo "no binary: cargo build --release first" >&2; exit 2; }
ns=bench-lab
runs=${RUNS:-5}
if kubectl get namespace "$ns" >/dev/null 2>&1; then echo "namespace $ns exists: not mine to use" >&2; exit 2; fi
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
kubectl create namespace "$ns" >/dev/null
for f in service-account/pod-inspector.yaml pod.yaml roles/pod-reader-role.yaml roles/pod-reader-rolebinding.yaml; do
  sed "s/namespace: dev\$/namespace: $ns/" "scenarios/article/$f" | kubectl apply -f - >/dev/null
done
kubectl wait --for=condition=Ready "pod/alpine-curl" -n "$ns" --timeout=120s >/dev/null

time_it() { # time_it LABEL WANT_EXIT ARGS...
  local label=$1 want=$2; shift 2
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1 rc
    t0=$(date +%s.%N)
    "$bin" check --namespace "dev=$ns" "$@" >/dev/null 2>&1 && rc=0 || rc=$?
    t1=$(date +%s.%N)
    [ "$rc" = "$want" ] || { echo "$label: exit $rc, expected $want" >&2; exit 1; }
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "%-46s min %.2fs  median %.2fs  (%d runs)\n", l, a[1], a[int((NR+1)/2)], NR}'
}
time_it "whole walkthrough, complete lab" 0
time_it "one section (Testing the Permission)" 0 --section "Testing the Permission"
kubectl delete rolebinding pod-reader -n "$ns" >/dev/null
time_it "whole walkthrough, RoleBinding missing" 1
time_it "one section, RoleBinding missing" 1 --section "Testing the Permission"
