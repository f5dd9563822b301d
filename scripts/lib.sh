# Shared helpers for scripts/*.sh. Source it; it sources versions.env.
# shellcheck shell=bash

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT="$(cd "$SCRIPTS_DIR/.." && pwd)"
# shellcheck source=versions.env
source "$SCRIPTS_DIR/versions.env"

SA_CACHE="${SA_CACHE:-/var/cache/sa-conformance}"
export SA_CACHE

log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
step() { printf '[%s] ==> %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

require_root() { [ "$(id -u)" -eq 0 ] || die "$0 must run as root"; }

# hash_inputs STRING... FILE... -> short sha256 over the strings and file contents
hash_inputs() {
  local x
  for x in "$@"; do
    if [ -f "$x" ]; then printf 'file:%s\n' "$(basename "$x")"; cat "$x"
    elif [ -d "$x" ]; then (cd "$x" && find . -type f | LC_ALL=C sort | while read -r f; do printf 'file:%s\n' "$f"; cat "$f"; done)
    else printf 'str:%s\n' "$x"; fi
  done | sha256sum | cut -c1-12
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# node_cpuacct NAME -> the cpuacct.usage file (cgroup v1: CPU nanoseconds) of kind cluster NAME's node
# container, for the benchmarks; says why on stderr and fails when there is none
node_cpuacct() {
  local node="$1-control-plane" id p
  id=$(docker inspect -f '{{.Id}}' "$node" 2>/dev/null) || { echo "no node container $node: run \`sa-conformance cluster up --name $1\` first" >&2; return 1; }
  for p in "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage" "/sys/fs/cgroup/cpu,cpuacct/docker/$id/cpuacct.usage"; do
    [ -r "$p" ] && { echo "$p"; return 0; }
  done
  echo "cannot read $node's cpuacct.usage (cgroup v1 only)" >&2
  return 1
}

# docker_ready: the daemon answers
docker_ready() { docker info >/dev/null 2>&1; }

# timed NAME CMD...: run CMD and append "NAME seconds" to $SA_CACHE/timings.log
timed() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s)
  "$@"
  t1=$(date +%s)
  mkdir -p "$SA_CACHE"
  # record only steps that did work (a cached step takes 0s)
  [ $((t1 - t0)) -gt 0 ] || { log "$name took 0s"; return 0; }
  # a record of the time, not a part of the build: a full disk must not fail the step that finished
  printf '%s %s %ss\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$((t1 - t0))" >>"$SA_CACHE/timings.log" 2>/dev/null || true
  log "$name took $((t1 - t0))s"
}
