#!/bin/bash
# Measures the offline kind setup on this machine and prints:
#   - the build step timings recorded in $SA_CACHE/timings.log (cold figures come
#     from the first run on a machine, warm ones from later runs)
#   - the time of a warm (verify-only) scripts/build-offline.sh run
#   - the size of every built image
#   - the time `kind create cluster` takes to a Ready node, then deletes the cluster
#     and restores the host (scripts/restore-host.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

CLUSTER="${CLUSTER_PREFIX}-bench"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

step "build step timings recorded so far ($SA_CACHE/timings.log)"
cat "$SA_CACHE/timings.log" 2>/dev/null || log "none yet"

step "warm run of scripts/build-offline.sh"
t0=$(now)
"$SCRIPTS_DIR/build-offline.sh" >"$SA_CACHE/logs/bench-warm-build.log" 2>&1
t1=$(now)
warm=$(elapsed "$t0" "$t1")
log "warm build-offline.sh: ${warm}s"

# shellcheck disable=SC1091
source "$SA_CACHE/offline.env"

step "image sizes"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' |
  grep -E "^($STANDIN_PREFIX/|$NODE_IMAGE_REPO|$USERLAND_IMAGE_REPO)" | sort

# Restore the host only when no other kind cluster of this project is left (a developer's
# or the harness's cluster must survive a benchmark).
restore_if_alone() {
  if kind get clusters 2>/dev/null | grep -q "^$CLUSTER_PREFIX"; then
    log "other $CLUSTER_PREFIX* clusters exist: not running restore-host.sh"
  else
    "$SCRIPTS_DIR/restore-host.sh"
  fi
}
trap 'kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; restore_if_alone >/dev/null 2>&1 || true' EXIT
kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
step "kind create cluster --config kind-config.yaml --image $SA_CONFORMANCE_NODE_IMAGE --name $CLUSTER"
t0=$(now)
kind create cluster --config "$REPO_ROOT/kind-config.yaml" --image "$SA_CONFORMANCE_NODE_IMAGE" \
  --name "$CLUSTER" --kubeconfig "$SA_CACHE/bench.kubeconfig"
t1=$(now)
kubectl --kubeconfig "$SA_CACHE/bench.kubeconfig" wait --for=condition=Ready node --all --timeout=300s
t2=$(now)
created=$(elapsed "$t0" "$t1")
ready=$(elapsed "$t0" "$t2")
kubectl --kubeconfig "$SA_CACHE/bench.kubeconfig" get nodes -o wide
step "deleting $CLUSTER"
t3=$(now)
kind delete cluster --name "$CLUSTER"
t4=$(now)
deleted=$(elapsed "$t3" "$t4")
rm -f "$SA_CACHE/bench.kubeconfig"
restore_if_alone
trap - EXIT

step "summary"
printf 'warm build-offline.sh (verify only): %ss\n' "$warm"
printf 'kind create cluster returned after:  %ss\n' "$created"
printf 'node Ready after:                    %ss\n' "$ready"
printf 'kind delete cluster:                 %ss\n' "$deleted"
