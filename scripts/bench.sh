#!/usr/bin/env bash
# Prints, on a warm cluster: the wall time of the whole scenario suite, the median latency of an
# `exec` step next to `kubectl exec` of the same command, and the runner's peak memory.
# Uses (and keeps) the harness's kind cluster `sa-conformance`, creating it first if needed.
# Usage: bash scripts/bench.sh   (after the offline build: source $SA_CACHE/offline.env first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=20
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
[ -f "$SA_CACHE/offline.env" ] && source "$SA_CACHE/offline.env"
command -v /usr/bin/time >/dev/null || { echo "installing GNU time"; apt-get install -y -qq time >/dev/null; }

echo "== building the release binary"
cargo build --release --quiet
BIN=target/release/sa-conformance
[ -n "${CARGO_TARGET_DIR:-}" ] && BIN="$CARGO_TARGET_DIR/release/sa-conformance"

echo "== making sure the cluster is up (kept afterwards; delete with: $BIN cluster down)"
$BIN cluster up >/dev/null
KUBECONFIG_FILE="${SA_CONFORMANCE_STATE_DIR:-$HOME/.local/state/sa-conformance}/clusters/sa-conformance.kubeconfig"
K="kubectl --kubeconfig=$KUBECONFIG_FILE --context=kind-sa-conformance"

ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== whole scenario suite (warm cluster)"
t0=$(ms)
/usr/bin/time -v -o /tmp/sa-bench-time.txt $BIN run --reuse --keep --json /tmp/sa-bench-suite.json >/tmp/sa-bench-suite.log 2>&1 || true
t1=$(ms)
suite_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b-a)/1000}')
suite_rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' /tmp/sa-bench-time.txt)
suite_result=$(grep -E '^scenarios:' /tmp/sa-bench-suite.log || echo "no summary (see /tmp/sa-bench-suite.log)")

echo "== exec step latency: $N exec steps through the runner"
/usr/bin/time -v -o /tmp/sa-bench-exec-time.txt $BIN run --reuse --keep --scenarios-dir scripts/bench --json /tmp/sa-bench-exec.json exec-latency >/tmp/sa-bench-exec.log 2>&1
exec_rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' /tmp/sa-bench-exec-time.txt)
runner_median=$(python3 -c 'import json;d=json.load(open("/tmp/sa-bench-exec.json"));print("\n".join(str(s["duration_ms"]) for s in d["scenarios"][0]["steps"] if s["kind"]=="exec"))' | median)

echo "== the same command with kubectl exec, $N times"
$K create namespace sa-bench >/dev/null
$K -n sa-bench run probe --image=curlimages/curl:8.10.1 --restart=Never --command -- sleep 3600 >/dev/null
$K -n sa-bench wait --for=condition=Ready pod/probe --timeout=120s >/dev/null
for _ in $(seq $N); do
  a=$(ms); $K -n sa-bench exec probe -- cat /var/run/secrets/kubernetes.io/serviceaccount/namespace >/dev/null; b=$(ms)
  echo $((b - a))
done > /tmp/sa-bench-kubectl.txt
kubectl_median=$(median < /tmp/sa-bench-kubectl.txt)
$K delete namespace sa-bench --grace-period=0 --force --wait=true >/dev/null 2>&1 || true

peak=$(( suite_rss > exec_rss ? suite_rss : exec_rss ))
cat <<OUT

sa-conformance benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)
  whole scenario suite, warm cluster:   ${suite_s}s   ($suite_result)
  exec step, median of $N:               ${runner_median}ms   (sa-conformance, kube-rs websocket)
  kubectl exec, median of $N:            ${kubectl_median}ms   (a kubectl process per call)
  runner peak memory (max RSS):          $((peak / 1024)) MiB   (target < 150 MiB)
OUT
