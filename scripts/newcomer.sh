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
  rm -rf "$work"
  log "exit $rc"
  exit "$rc"
}
trap cleanup EXIT

if [ "$existed_before" = yes ]; then
  log "a kind cluster named $cluster already exists; the README's commands would refuse to use it. Delete it first (if it is yours) or run elsewhere"
  exit 2
fi

default_commands=$'cargo run -- run\ncargo test'
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
  # shellcheck disable=SC2086
  "${env_args[@]}" $cmd 2>&1 | sed -u 's/^/    | /'
  rc=${PIPESTATUS[0]}
  secs=$(( $(date +%s) - t0 ))
  summary+=("$(printf '%-20s exit %-3s %5ss' "$cmd" "$rc" "$secs")")
  log "\`$cmd\` exited $rc after ${secs}s"
  [ "$rc" = 0 ] || failed=1
done <<<"$commands"

log "summary (commit $(git rev-parse --short HEAD), env -i PATH HOME):"
printf '    %s\n' "${summary[@]}"
exit "$failed"
