#!/usr/bin/env bash
# The newcomer test: clone this repository's committed HEAD into a temporary folder and run the
# README's quick-start commands exactly as written, with nothing prepared (env -i with only PATH and
# HOME: no `source`, no SA_CONFORMANCE_* variables), timing each. Cleans up on exit: the clone, and
# the one kind cluster the README's commands create (`sa-conformance`) only if it did not exist
# before. It never touches another cluster.
#
#   bash scripts/newcomer.sh                 # both commands
#   NEWCOMER_COMMANDS='cargo run -- run' bash scripts/newcomer.sh   # a subset (each must be in the README)
#   NEWCOMER_CARGO_TARGET_DIR=DIR bash scripts/newcomer.sh          # reuse compiled dependencies (says so)
#   NEWCOMER_REV=COMMIT bash scripts/newcomer.sh                    # another commit (e.g. one before a fix)
#   NEWCOMER_FRESH=1 bash scripts/newcomer.sh    # as on a fresh machine (root only): empty SA_CACHE,
#       GOCACHE and GOMODCACHE (under the temporary folder), this harness's own images (sa-conformance/*)
#       removed from Docker and the Debian packages host preparation installs for the tests (chromium)
#       purged first, so host-setup and the offline build run from nothing; they are made again under
#       the same names. Only Docker itself and cargo's crate downloads (~/.cargo/registry) are kept.
# The README's commands run as written; a leading `sudo ` is dropped when this already runs as root
# (a root shell on a CI box often has no sudo).
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sa-newcomer.XXXXXX")
cluster=sa-conformance
started=$(date +%s)
log() { echo "== newcomer: $* (+$(( $(date +%s) - started ))s)"; }

kind_bin() { command -v kind 2>/dev/null || { [ -x /var/cache/sa-conformance/bin/kind ] && echo /var/cache/sa-conformance/bin/kind; } || echo kind; }
has_cluster() { "$(kind_bin)" get clusters 2>/dev/null | grep -qx "$cluster"; }

existed_before=no
has_cluster && existed_before=yes

cleanup() {
  local rc=$?
  if [ "$existed_before" = no ] && has_cluster; then
    log "deleting kind cluster $cluster, which this test's commands created and left"
    "$(kind_bin)" delete cluster --name "$cluster" >/dev/null 2>&1 || log "could not delete $cluster"
  fi
  chmod -R u+w "$work" 2>/dev/null # Go's module cache is read-only
  rm -rf "$work"
  log "exit $rc"
  exit "$rc"
}
trap cleanup EXIT

if [ "$existed_before" = yes ]; then
  log "a kind cluster named $cluster already exists; the README's commands would refuse to use it. Delete it first (if it is yours) or run elsewhere"
  exit 2
fi

default_commands=$'sudo bash scripts/host-setup.sh\ncargo run -- run\ncargo test'
commands=${NEWCOMER_COMMANDS:-$default_commands}

rev=$(git -C "$repo" rev-parse --short "${NEWCOMER_REV:-HEAD}") || exit 2
log "cloning $rev into $work/sa-conformance"
git clone --quiet "$repo" "$work/sa-conformance" || exit 1
cd "$work/sa-conformance" || exit 1
git checkout --quiet "$rev" || exit 1

env_args=(env -i "PATH=$PATH" "HOME=$HOME")
if [ -n "${NEWCOMER_CARGO_TARGET_DIR:-}" ]; then
  log "deviation: CARGO_TARGET_DIR=$NEWCOMER_CARGO_TARGET_DIR (compiled dependencies reused; a real newcomer compiles them once, ~10 min on 2 cores)"
  env_args+=("CARGO_TARGET_DIR=$NEWCOMER_CARGO_TARGET_DIR")
fi

if [ "${NEWCOMER_FRESH:-0}" = 1 ]; then
  fresh="$work/fresh"
  mkdir -p "$fresh/cache" "$fresh/gocache" "$fresh/gomod"
  mine=$(docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep '^sa-conformance/' || true)
  log "fresh machine: SA_CACHE=$fresh/cache, GOCACHE=$fresh/gocache, GOMODCACHE=$fresh/gomod (all empty), the clone's ./target empty; removing this harness's $(printf '%s' "$mine" | grep -c . || true) images (sa-conformance/*) from Docker so the build makes them again"
  if [ -n "$mine" ]; then
    # shellcheck disable=SC2086
    docker rmi $mine >/dev/null || { log "could not remove this harness's images (in use by a cluster?)"; exit 2; }
  fi
  env_args+=("SA_CACHE=$fresh/cache" "GOCACHE=$fresh/gocache" "GOMODCACHE=$fresh/gomod")
  # What host preparation installs for the tests goes too, so the README's first command must bring it.
  if [ "$(id -u)" != 0 ]; then
    log "NEWCOMER_FRESH=1 purges Debian packages and needs root"
    exit 2
  fi
  purge=()
  for p in chromium chromium-common; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && purge+=("$p")
  done
  if [ ${#purge[@]} -gt 0 ]; then
    log "fresh machine: apt-get purge -y ${purge[*]} (host-setup installs it again)"
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${purge[@]}" >/dev/null || { log "could not purge ${purge[*]}"; exit 2; }
  fi
fi

summary=()
failed=0
while IFS= read -r cmd; do
  [ -n "$cmd" ] || continue
  if ! grep -qF -- "$cmd" README.md; then
    log "\`$cmd\` is not in the README's quick start; the test runs only what the README says"
    exit 2
  fi
  log "running \`$cmd\`"
  t0=$(date +%s)
  run=$cmd
  if [ "$(id -u)" = 0 ] && [ "${run#sudo }" != "$run" ]; then
    run=${run#sudo }
    log "already root: running \`$run\`"
  fi
  # shellcheck disable=SC2086
  "${env_args[@]}" $run 2>&1 | sed -u 's/^/    | /'
  rc=${PIPESTATUS[0]}
  secs=$(( $(date +%s) - t0 ))
  summary+=("$(printf '%-20s exit %-3s %5ss' "$cmd" "$rc" "$secs")")
  log "\`$cmd\` exited $rc after ${secs}s"
  [ "$rc" = 0 ] || failed=1
done <<<"$commands"

log "summary (commit $(git rev-parse --short HEAD), env -i PATH HOME):"
printf '    %s\n' "${summary[@]}"
exit "$failed"
