#!/usr/bin/env bash
# The floor every tool shares, so a run's namespace timings can be read against it: how long the cluster
# takes to delete a namespace, measured with nothing but kubectl. kube-controller-manager's namespace
# controller handles a namespace only `namespaceDeletionGracePeriod` (5 s) after it sees the deletion
# (pkg/controller/namespace), so a namespace with a new name cannot be gone in less than that. A name
# deleted again within 5 s of its previous deletion can go sooner: the controller's queue still holds
# that name, due earlier.
#   bash scripts/bench-namespace-floor.sh [CLUSTER_NAME] [ROUNDS]   (default sa-conformance-lead, 3)
# The cluster must exist (sa-conformance cluster up --name NAME); the script creates and deletes only
# namespaces named sa-floor-*, and stops if one of them exists already.
set -euo pipefail
NAME="${1:-sa-conformance-lead}"
ROUNDS="${2:-3}"
SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
KUBECTL="$(command -v kubectl || echo "$SA_CACHE/bin/kubectl")"
export KUBECONFIG="${SA_CONFORMANCE_STATE_DIR:-$HOME/.local/state/sa-conformance}/clusters/$NAME.kubeconfig"
[ -f "$KUBECONFIG" ] || { echo "no cluster $NAME (no $KUBECONFIG)" >&2; exit 1; }
ms() { date +%s%3N; }

# Deletes namespace $1 (no wait in kubectl) and polls every 50 ms until it is NotFound; prints ms.
delete_and_time() {
  local a out
  a=$(ms)
  "$KUBECTL" delete namespace "$1" --wait=false >/dev/null
  while out=$("$KUBECTL" get namespace "$1" -o name 2>&1); do sleep 0.05; done
  case "$out" in *NotFound*) ;; *) echo "could not tell whether $1 is gone: $out" >&2; exit 1 ;; esac
  echo $(( $(ms) - a ))
}

for r in $(seq "$ROUNDS"); do
  ns="sa-floor-$r-$$"
  if "$KUBECTL" get namespace "$ns" >/dev/null 2>&1; then echo "$ns exists already; not touching it" >&2; exit 1; fi
  "$KUBECTL" create namespace "$ns" >/dev/null; sleep 1
  first=$(delete_and_time "$ns")
  "$KUBECTL" create namespace "$ns" >/dev/null; sleep 1
  again=$(delete_and_time "$ns")
  "$KUBECTL" create namespace "$ns" >/dev/null; sleep 7
  later=$(delete_and_time "$ns")
  echo "round $r: new name ${first} ms; same name 1 s after it was gone ${again} ms; same name 8 s after ${later} ms"
done
