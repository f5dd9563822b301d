#!/usr/bin/env bash
# Runs the tests a hosted CI runner depends on as the users such a runner has, on this machine:
#   1. `sa-sim-sudo`: not root, passwordless sudo, in the docker group (GitHub's ubuntu runners): the
#      `setup::` e2e trials must pass (the harness builds through `sudo -n` there).
#   2. `sa-sim-user`: not root, no sudo, in the docker group (a laptop user): the `setup::` trials must
#      pass too (the harness asks for the root build by name instead).
#   3. `sa-sim-user` with no browser on PATH: the page tests (tests/browser.rs) must fail at once,
#      naming the command that installs chromium, and nothing may be installed (dpkg's package list
#      and its lock are compared before and after).
# Needs root (it makes the two users); removes the users, their sudoers entry and the sudo package (if
# it installed it) on exit. Uses the offline build in $SA_CACHE (the setup trials need Docker up:
# `sudo bash scripts/host-setup.sh` first). Prints one line per check and exits 1 if any fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
cd "$REPO_ROOT"

SUDO_USER_NAME=sa-sim-sudo
PLAIN_USER_NAME=sa-sim-user
SUDOERS=/etc/sudoers.d/sa-conformance-sim
made_users=()
installed_sudo=no
failed=0

cleanup() {
  local u
  for u in "${made_users[@]}"; do userdel -r "$u" >/dev/null 2>&1 || log "could not remove user $u"; done
  rm -f "$SUDOERS"
  if [ "$installed_sudo" = yes ]; then
    log "removing the sudo package this script installed"
    # sudo's own removal script refuses without a root password unless told it is on purpose
    SUDO_FORCE_REMOVE=yes DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sudo >/dev/null 2>&1 || log "could not purge sudo"
  fi
}
trap cleanup EXIT

check() { # check NAME CONDITION-RESULT DETAIL
  if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failed=1; fi
}

docker_ready || die "docker does not answer: run scripts/host-setup.sh first"
if ! command -v sudo >/dev/null; then
  step "apt-get install sudo (removed again on exit)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null
  installed_sudo=yes
fi
for u in "$SUDO_USER_NAME" "$PLAIN_USER_NAME"; do
  id "$u" >/dev/null 2>&1 && die "user $u already exists (a leftover?): remove it with userdel -r $u"
  useradd -m -s /bin/bash -G docker "$u"
  made_users+=("$u")
done
echo "$SUDO_USER_NAME ALL=(ALL) NOPASSWD:ALL" >"$SUDOERS"
chmod 0440 "$SUDOERS"

step "building the test binaries (as root, in ${CARGO_TARGET_DIR:-target})"
bins=$(cargo test --locked --no-run --message-format=json 2>/dev/null |
  jq -r 'select(.reason == "compiler-artifact" and .executable != null and .profile.test) | "\(.target.name) \(.executable)"')
e2e=$(awk '$1 == "e2e" {print $2}' <<<"$bins")
browser=$(awk '$1 == "browser" {print $2}' <<<"$bins")
[ -x "$e2e" ] && [ -x "$browser" ] || die "could not find the e2e and browser test binaries"
# the users must reach the binaries and the checkout (read and execute, as on a runner's workspace)
for d in "$(dirname "$e2e")" "$REPO_ROOT"; do
  runuser -u "$PLAIN_USER_NAME" -- test -x "$d" || die "$d is not reachable by other users"
done

as_user() { # as_user USER CMD...: a login-like environment with only what a runner's job would have
  local u=$1
  shift
  runuser -u "$u" -- env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=/home/$u" "SA_CACHE=$SA_CACHE" "$@"
}

for u in "$SUDO_USER_NAME" "$PLAIN_USER_NAME"; do
  step "setup:: trials as $u ($([ "$u" = "$SUDO_USER_NAME" ] && echo 'passwordless sudo' || echo 'no sudo'))"
  out=$(cd /tmp && as_user "$u" "$e2e" --test-threads 1 setup:: 2>&1) && rc=0 || rc=$?
  printf '%s\n' "$out" | sed 's/^/    | /'
  summary=$(grep -E '^test result:' <<<"$out" || true)
  [ "$rc" = 0 ] && grep -q ' 3 passed' <<<"$summary" && r=0 || r=1
  check "setup:: trials pass as $u" "$r" "exit $rc, ${summary:-no result line}"
done

step "page tests as $PLAIN_USER_NAME with no browser on PATH (must fail at once, install nothing)"
packages_before=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sha256sum)
lock_before=$(stat -c '%Y' /var/lib/dpkg/lock-frontend 2>/dev/null || echo none)
empty=$(mktemp -d)
chmod 755 "$empty"
t0=$(date +%s%N)
out=$(cd /tmp && runuser -u "$PLAIN_USER_NAME" -- env -i "PATH=$empty" "HOME=/home/$PLAIN_USER_NAME" "$browser" 2>&1) && rc=0 || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
rmdir "$empty"
printf '%s\n' "$out" | grep -E 'panicked|chromium is not installed|^test result' | sed 's/^/    | /'
want='install it with: sudo apt-get install -y chromium'
[ "$rc" != 0 ] && grep -qF "$want" <<<"$out" && r=0 || r=1
check "page tests fail naming \`sudo apt-get install -y chromium\`" "$r" "exit $rc"
[ "$ms" -lt 10000 ] && r=0 || r=1
check "and fail at once (${ms} ms)" "$r" "took ${ms} ms"
[ "$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sha256sum)" = "$packages_before" ] &&
  [ "$(stat -c '%Y' /var/lib/dpkg/lock-frontend 2>/dev/null || echo none)" = "$lock_before" ] && r=0 || r=1
check "and nothing was installed (dpkg's package list and lock unchanged)" "$r" "dpkg changed"

exit "$failed"
