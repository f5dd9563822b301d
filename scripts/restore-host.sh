#!/bin/bash
# Leaves the machine as scripts/host-setup.sh found it, as far as clusters go:
#   - deletes leftover kind clusters named $CLUSTER_PREFIX* (with the cached kind)
#   - removes docker's `kind` network when no container uses it
#   - restores kernel.panic, kernel.panic_on_oops, vm.overcommit_memory, which a
#     privileged kubelet changes machine-wide, to the values recorded before.
# Idempotent; does not stop dockerd and keeps the built images.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

KIND="$SA_CACHE/bin/kind"
command -v "$KIND" >/dev/null 2>&1 || KIND=$(command -v kind || true)

if docker_ready && [ -n "$KIND" ]; then
  step "deleting kind clusters named $CLUSTER_PREFIX*"
  for c in $("$KIND" get clusters 2>/dev/null | grep "^$CLUSTER_PREFIX" || true); do
    log "kind delete cluster --name $c"
    "$KIND" delete cluster --name "$c"
  done
  if docker network inspect kind >/dev/null 2>&1; then
    if [ -z "$(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' kind)" ]; then
      log "removing the unused docker network kind"
      docker network rm kind >/dev/null
    else
      log "keeping docker network kind: still in use"
    fi
  fi
else
  log "docker or kind not available: no clusters to delete"
fi

f="$SA_CACHE/host-sysctls.before"
if [ -s "$f" ]; then
  step "restoring host sysctls from $f"
  while IFS='=' read -r k v; do
    [ -n "$k" ] || continue
    cur=$(sysctl -n "$k")
    if [ "$cur" != "$v" ]; then
      log "$k: $cur -> $v"
      sysctl -q -w "$k=$v"
    else
      log "$k=$v (unchanged)"
    fi
  done <"$f"
else
  log "no recorded host sysctls ($f): nothing to restore"
fi
