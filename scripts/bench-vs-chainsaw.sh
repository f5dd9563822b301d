#!/usr/bin/env bash
# Side by side on one warm cluster: the article walkthrough's 10 core steps as a chainsaw test and as a
# sa-conformance scenario (bench/walkthrough-core: same manifests, same commands).
# MODE=verbatim (the default): both run in the article's `dev` and wait for it to be deleted. Like for
# like: the pod has terminationGracePeriodSeconds: 0 and chainsaw also runs with
# --force-termination-grace-period 0s (sa-conformance deletes pods with grace 0), both delete what they
# create and wait for it, and after every run the script checks that namespace dev is gone (a tool
# that returned before its cleanup finished would be timed unfairly: the script stops). Release build,
# one warm-up run each, then RUNS runs each, alternating, so both see the same load; prints min/median
# of each, the ratio, and the load average.
# MODE=fast: each tool runs in a namespace of its own and does not wait for it to go: chainsaw with its
# ephemeral test namespace and --fast-namespace-deletion (bench/walkthrough-core-fast, the same steps
# with the namespace from $namespace), sa-conformance with `run --isolate` (dev mapped to a namespace
# named after the run, its deletion issued and not awaited). Then no `dev` check: both leave a
# namespace terminating, on purpose.
# MODE=suite: bench/suite, five of the article's sections written for both tools (its README says
# which steps and how), each tool at its default parallelism: chainsaw runs its tests side by side
# with --fast-namespace-deletion, sa-conformance runs `run --jobs 8` (isolated). No `dev` check.
# Usage: [MODE=verbatim|fast|suite] [RUNS=7] [CHAINSAW_VERSION=v0.2.15] bash scripts/bench-vs-chainsaw.sh [CLUSTER_NAME]
#        (default cluster: sa-conformance-speed; it must exist: sa-conformance cluster up --name NAME).
#        chainsaw is built once into $SA_CACHE/chainsaw-VERSION (`go install`; v0.2.12 needs go1.23.12).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NAME="${1:-sa-conformance-speed}"
RUNS="${RUNS:-7}"
MODE="${MODE:-verbatim}"
CHAINSAW_VERSION="${CHAINSAW_VERSION:-v0.2.15}"
case "$MODE" in verbatim | fast | suite) ;; *) echo "MODE is verbatim, fast or suite, not $MODE" >&2; exit 2 ;; esac
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
[ -f "$SA_CACHE/offline.env" ] && source "$SA_CACHE/offline.env"
DIR=bench/walkthrough-core

CHAINSAW_DIR="$SA_CACHE/chainsaw-$CHAINSAW_VERSION"
CHAINSAW="$CHAINSAW_DIR/bin/chainsaw"
if [ ! -x "$CHAINSAW" ]; then
  echo "== building chainsaw $CHAINSAW_VERSION into $CHAINSAW_DIR"
  mkdir -p "$CHAINSAW_DIR/bin"
  toolchain=local
  [ "$CHAINSAW_VERSION" != v0.2.12 ] || toolchain=go1.23.12   # Go 1.26 cannot build v0.2.12's test runner
  GOTOOLCHAIN=$toolchain GOFLAGS='' GOBIN="$CHAINSAW_DIR/bin" go install "github.com/kyverno/chainsaw@$CHAINSAW_VERSION"
fi

if [ -n "${SA_BIN:-}" ]; then
  BIN="$SA_BIN"   # a binary built elsewhere (say which build it is when you quote the figures)
else
  echo "== building the release binary"
  cargo build --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/sa-conformance"
fi

KUBECONFIG_FILE="${SA_CONFORMANCE_STATE_DIR:-$HOME/.local/state/sa-conformance}/clusters/$NAME.kubeconfig"
[ -f "$KUBECONFIG_FILE" ] || { echo "no cluster $NAME (no $KUBECONFIG_FILE); run: $BIN cluster up --name $NAME" >&2; exit 1; }
export KUBECONFIG="$KUBECONFIG_FILE"

ms() { date +%s%3N; }
SA_FLAGS=() CHAINSAW_FLAGS=() CHAINSAW_DIR_TESTS="$DIR" SA_SELECT=(bench-walkthrough-core)
if [ "$MODE" = fast ]; then
  SA_FLAGS=(--isolate)
  CHAINSAW_FLAGS=(--fast-namespace-deletion)
  CHAINSAW_DIR_TESTS=bench/walkthrough-core-fast
fi
if [ "$MODE" = suite ]; then
  DIR=bench/suite
  SA_FLAGS=(--jobs 8)
  SA_SELECT=()
  CHAINSAW_FLAGS=(--fast-namespace-deletion)
  CHAINSAW_DIR_TESTS=bench/suite
fi
run_sa() {
  "$BIN" run --reuse --keep --name "$NAME" "${SA_FLAGS[@]}" --scenarios-dir "$DIR" "${SA_SELECT[@]}" >/tmp/bench-vs-sa.log 2>&1 ||
    { cat /tmp/bench-vs-sa.log >&2; exit 1; }
}
run_chainsaw() {
  "$CHAINSAW" test --test-dir "$CHAINSAW_DIR_TESTS" --kube-context "kind-$NAME" --force-termination-grace-period 0s "${CHAINSAW_FLAGS[@]}" \
    >/tmp/bench-vs-chainsaw.log 2>&1 || { cat /tmp/bench-vs-chainsaw.log >&2; exit 1; }
}
# Both tools must leave nothing behind when they return: the namespace is gone, not terminating.
gone() {
  local out
  [ "$MODE" = verbatim ] || return 0
  if out=$(kubectl get namespace dev -o name 2>&1); then
    echo "namespace dev still exists after $1 returned: it did not wait for its cleanup, the timing is not like for like" >&2
    exit 1
  fi
  # Only "not found" is gone: an unreachable cluster or a missing kubectl must not pass for it.
  case "$out" in
    *NotFound*) ;;
    *) echo "could not tell whether namespace dev is gone after $1: $out" >&2; exit 1 ;;
  esac
}
timed() { local a b; a=$(ms); "$@"; b=$(ms); gone "$1"; echo $((b - a)); }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %.2f s, median %.2f s", a[1]/1000, (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== warm-up (one run each); load: $(cut -d' ' -f1-3 /proc/loadavg)"
gone "an earlier run"
run_chainsaw
gone run_chainsaw
run_sa
gone run_sa
: >/tmp/bench-vs-chainsaw.ms
: >/tmp/bench-vs-sa.ms
for i in $(seq "$RUNS"); do
  timed run_chainsaw >>/tmp/bench-vs-chainsaw.ms
  timed run_sa >>/tmp/bench-vs-sa.ms
  echo "run $i: chainsaw $(tail -1 /tmp/bench-vs-chainsaw.ms) ms, sa-conformance $(tail -1 /tmp/bench-vs-sa.ms) ms; load $(cut -d' ' -f1-3 /proc/loadavg)"
done
c=$(median </tmp/bench-vs-chainsaw.ms)
s=$(median </tmp/bench-vs-sa.ms)
echo "mode $MODE, $RUNS runs each"
echo "chainsaw $CHAINSAW_VERSION:  $(stats </tmp/bench-vs-chainsaw.ms)"
echo "sa-conformance:    $(stats </tmp/bench-vs-sa.ms)"
awk -v c="$c" -v s="$s" 'BEGIN {printf "ratio (chainsaw median / sa-conformance median): %.2fx\n", c/s}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
