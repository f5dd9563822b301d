#!/bin/bash
# Leaves the machine as scripts/host-setup.sh found it, touching only what sa-conformance made:
#   - deletes the kind clusters the harness recorded as its own in its state directory
#     ($SA_CONFORMANCE_STATE_DIR, else $XDG_STATE_HOME/sa-conformance, else ~/.local/state/sa-conformance),
#     each through `sa-conformance cluster down`, which deletes only a cluster whose in-cluster marker
#     matches its record; a cluster it did not record or cannot prove its own (made by hand, by another
#     person or another tool, or not answering) is left alone, whatever its name. The binary is
#     $SA_CONFORMANCE_BIN if set, else `cargo run` in this repository (honouring $CARGO_TARGET_DIR),
#     else ${CARGO_TARGET_DIR:-target}/debug/sa-conformance; without one no cluster is deleted
#   - removes docker's `kind` network when no container uses it
#   - restores kernel.panic, kernel.panic_on_oops, vm.overcommit_memory, which a privileged kubelet
#     changes machine-wide, to the values recorded before
#   - puts /etc/docker/daemon.json back as host-setup.sh found it (when it changed it and no container
#     still uses the runtime shim)
# `--clusters-only` does the first two (CI's "leftovers of an earlier run").
# Idempotent; does not stop dockerd and keeps the built images.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

CLUSTERS_ONLY=0
[ "${1:-}" = "--clusters-only" ] && CLUSTERS_ONLY=1

KIND="$SA_CACHE/bin/kind"
command -v "$KIND" >/dev/null 2>&1 || KIND=$(command -v kind || true)
STATE_DIR="${SA_CONFORMANCE_STATE_DIR:-${XDG_STATE_HOME:+$XDG_STATE_HOME/sa-conformance}}"
STATE_DIR="${STATE_DIR:-$HOME/.local/state/sa-conformance}"
SHIM_NAME=sa-conformance-runc

# sa_conformance ARGS...: the harness's own command, pointed at this script's kind and state directory
# (and never building the offline toolchain). Returns 127 when there is no way to run it.
sa_conformance() {
  local target_bin="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/sa-conformance"
  local env=(KIND="$KIND" SA_CONFORMANCE_STATE_DIR="$STATE_DIR" SA_CONFORMANCE_AUTO_BUILD=0)
  if [ -n "${SA_CONFORMANCE_BIN:-}" ]; then
    env "${env[@]}" "$SA_CONFORMANCE_BIN" "$@"
  elif command -v cargo >/dev/null 2>&1; then
    env "${env[@]}" cargo run --quiet --manifest-path "$REPO_ROOT/Cargo.toml" --bin sa-conformance -- "$@"
  elif [ -x "$target_bin" ]; then
    env "${env[@]}" "$target_bin" "$@"
  else
    log "no sa-conformance binary (set SA_CONFORMANCE_BIN, or install cargo): cannot prove a cluster ours"
    return 127
  fi
}

# recorded_clusters: names of the clusters the harness recorded as created by itself.
recorded_clusters() {
  local f
  for f in "$STATE_DIR"/clusters/*.json; do
    [ -e "$f" ] || continue
    jq -r '.name // empty' "$f" 2>/dev/null | grep "^$CLUSTER_PREFIX" || true
  done
}

delete_recorded_clusters() {
  if ! docker_ready || [ -z "$KIND" ]; then
    log "docker or kind not available: no clusters to delete"
    return
  fi
  local existing c
  existing=$("$KIND" get clusters 2>/dev/null || true)
  step "deleting the kind clusters recorded in $STATE_DIR/clusters"
  for c in $(recorded_clusters); do
    if grep -qx "$c" <<<"$existing"; then
      log "sa-conformance cluster down --name $c"
      # It removes the record with the cluster; a refusal or a failure keeps both, and is said.
      sa_conformance cluster down --name "$c" || log "keeping kind cluster $c: \`cluster down\` did not delete it (exit $?)"
    else
      log "$c: recorded but no longer exists"
      rm -f "$STATE_DIR/clusters/$c.json" "$STATE_DIR/clusters/$c.kubeconfig"
    fi
  done
  for c in $(grep "^$CLUSTER_PREFIX" <<<"$existing" || true); do
    [ -e "$STATE_DIR/clusters/$c.json" ] || log "keeping kind cluster $c: not recorded as made by this harness"
  done
  if docker network inspect kind >/dev/null 2>&1; then
    if [ -z "$(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' kind)" ]; then
      log "removing the unused docker network kind"
      docker network rm kind >/dev/null
    else
      log "keeping docker network kind: still in use"
    fi
  fi
}

restore_sysctls() {
  local f="$SA_CACHE/host-sysctls.before" k v cur
  if [ ! -s "$f" ]; then
    log "no recorded host sysctls ($f): nothing to restore"
    return
  fi
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
}

restore_daemon_json() {
  local dir="$SA_CACHE/host-backup" users
  if [ ! -e "$dir/daemon.json" ] && [ ! -e "$dir/daemon.json.absent" ]; then
    log "daemon.json: no backup in $dir (host-setup.sh did not change it): left as it is"
    return
  fi
  if docker_ready; then
    users=$(docker ps -aq | xargs -r docker inspect -f '{{.Name}} {{.HostConfig.Runtime}}' | awk -v r="$SHIM_NAME" '$2 == r {print $1}' | tr '\n' ' ')
    if [ -n "$users" ]; then
      log "daemon.json: keeping the $SHIM_NAME runtime, containers still use it: $users"
      return
    fi
  fi
  step "restoring /etc/docker/daemon.json from $dir"
  if [ -e "$dir/daemon.json" ]; then
    cp -p "$dir/daemon.json" /etc/docker/daemon.json
  else
    rm -f /etc/docker/daemon.json
  fi
  rm -f "$dir/daemon.json" "$dir/daemon.json.absent"
  if [ -s /var/run/docker.pid ]; then
    kill -HUP "$(cat /var/run/docker.pid)" || true
    sleep 1
  fi
}

delete_recorded_clusters
[ "$CLUSTERS_ONLY" = 1 ] && exit 0
restore_sysctls
restore_daemon_json
