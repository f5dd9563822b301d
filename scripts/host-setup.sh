#!/bin/bash
# Prepares this machine to run kind clusters with no registry access:
#   - installs docker.io, debootstrap, gcc, jq from Debian if missing; never docker.io over another
#     Docker (docker-ce, containerd.io, moby): that one is used as it is
#   - installs chromium (the matrix page's browser tests in `cargo test`) unless SA_CONFORMANCE_CHROMIUM
#     names another browser: tests never install anything themselves
#   - starts dockerd in the background if no daemon answers
#   - records the host sysctls that a kubelet changes (restored by restore-host.sh)
#   - probes `docker run --privileged`; only if it fails, backs up /etc/docker/daemon.json (restored by
#     restore-host.sh), installs and registers a runc shim that drops CAP_SYS_RESOURCE, probes again.
# Idempotent; safe to run as root with no stdin (CI).
# `--plan` prints which packages it would install and changes nothing (no root needed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PLAN=0
[ "${1:-}" = "--plan" ] && PLAN=1
[ "$PLAN" = 1 ] || require_root

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/sa-conformance-dockerd.log}
SHIM=/usr/local/bin/sa-conformance-runc
SHIM_NAME=sa-conformance-runc
PROBE_IMAGE=sa-conformance/probe:1

# pkg_installed NAME: Debian says NAME is installed. SA_FAKE_INSTALLED_PACKAGES (space-separated) adds
# names for tests of the decision below, e.g. a host with Docker CE.
pkg_installed() {
  case " ${SA_FAKE_INSTALLED_PACKAGES:-} " in *" $1 "*) return 0 ;; esac
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# other_docker: the name of a Docker installation that is not Debian's docker.io, if any.
other_docker() {
  local p
  for p in docker-ce docker-ce-cli containerd.io moby-engine docker-engine; do
    pkg_installed "$p" && { echo "$p"; return 0; }
  done
  return 1
}

install_packages() {
  # bsdutils: `script`, the pseudo-terminal of the console-colour tests (essential on Debian, named anyway)
  local wanted=(debootstrap gcc libc6-dev jq iptables bsdutils) missing=() p other
  if [ -n "${SA_CONFORMANCE_CHROMIUM:-}" ]; then
    log "browser for the page tests: $SA_CONFORMANCE_CHROMIUM (SA_CONFORMANCE_CHROMIUM); chromium not needed"
  else
    wanted+=(chromium)
  fi
  if other=$(other_docker); then
    log "found $other: using that Docker as it is (docker.io would conflict with it)"
  else
    wanted=(docker.io "${wanted[@]}")
  fi
  for p in "${wanted[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present: ${wanted[*]}"
    return
  fi
  if [ "$PLAN" = 1 ]; then
    log "would install: ${missing[*]}"
    return
  fi
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start_dockerd() {
  if docker_ready; then
    log "dockerd already answers"
    return
  fi
  step "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    docker_ready && { log "dockerd is up after ${i}s"; return; }
    sleep 1
  done
  tail -20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer within 60s"
}

# Settings a kubelet (and systemd in each node) change or need, recorded once with the values found
# so restore-host.sh can put them back; a key missing from an older record is appended.
SYSCTL_KEYS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory fs.inotify.max_user_instances)

record_sysctls() {
  local f="$SA_CACHE/host-sysctls.before" k
  mkdir -p "$SA_CACHE"
  touch "$f"
  for k in "${SYSCTL_KEYS[@]}"; do
    grep -q "^$k=" "$f" && continue
    printf '%s=%s\n' "$k" "$(sysctl -n "$k")" >>"$f"
    log "recorded $k=$(sysctl -n "$k") in $f"
  done
}

# systemd in every kind node takes inotify instances; at the default 128 a machine runs out after about
# five nodes ("Failed to allocate manager object: Too many open files", the node exits at once).
# kind's known-issues page recommends 512. Raised only when lower; restore-host.sh puts it back.
raise_inotify() {
  local cur
  cur=$(sysctl -n fs.inotify.max_user_instances)
  if [ "$cur" -lt 512 ]; then
    step "fs.inotify.max_user_instances $cur -> 512 (kind nodes run systemd; restored by restore-host.sh)"
    sysctl -q -w fs.inotify.max_user_instances=512
  fi
}

# A tiny image made here (nothing can be pulled): one static binary that exits 0.
ensure_probe_image() {
  image_exists "$PROBE_IMAGE" && return
  step "building probe image $PROBE_IMAGE"
  local d
  d=$(mktemp -d)
  printf 'int main(void){return 0;}\n' >"$d/true.c"
  mkdir "$d/root"
  gcc -static -Os -o "$d/root/true" "$d/true.c"
  tar -C "$d/root" -c . | docker import -c 'ENTRYPOINT ["/true"]' - "$PROBE_IMAGE" >/dev/null
  rm -rf "$d"
}

probe_privileged() {
  docker run --rm --privileged "$PROBE_IMAGE" >/dev/null 2>"$SA_CACHE/probe-privileged.err"
}

# The first change to daemon.json keeps what was there (or that nothing was) for restore-host.sh.
backup_daemon_json() {
  local dir="$SA_CACHE/host-backup"
  mkdir -p "$dir"
  if [ -e "$dir/daemon.json" ] || [ -e "$dir/daemon.json.absent" ]; then
    log "daemon.json already backed up in $dir"
  elif [ -e /etc/docker/daemon.json ]; then
    cp -p /etc/docker/daemon.json "$dir/daemon.json"
    log "backed up /etc/docker/daemon.json to $dir/daemon.json"
  else
    : >"$dir/daemon.json.absent"
    log "no /etc/docker/daemon.json before: restore-host.sh will remove it"
  fi
}

install_shim() {
  local real
  real=$(command -v runc) || die "runc not found"
  [ "$real" != "$SHIM" ] || die "runc resolves to the shim itself"
  step "installing runc shim $SHIM (real runc: $real)"
  sed "s#@REAL_RUNC@#$real#" "$SCRIPTS_DIR/runc-cap-shim.sh" >"$SHIM.tmp"
  chmod 755 "$SHIM.tmp"
  mv "$SHIM.tmp" "$SHIM"
  step "registering $SHIM_NAME as docker's default runtime in /etc/docker/daemon.json"
  mkdir -p /etc/docker
  backup_daemon_json
  local cur='{}'
  [ -s /etc/docker/daemon.json ] && cur=$(cat /etc/docker/daemon.json)
  jq --arg n "$SHIM_NAME" --arg p "$SHIM" \
    '.runtimes[$n] = {path: $p} | .["default-runtime"] = $n' <<<"$cur" >/etc/docker/daemon.json.tmp
  mv /etc/docker/daemon.json.tmp /etc/docker/daemon.json
  step "reloading dockerd configuration (SIGHUP)"
  local pid
  pid=$(cat /var/run/docker.pid)
  kill -HUP "$pid"
  sleep 2
  docker info 2>/dev/null | grep -i 'default runtime' >&2 || true
}

install_packages
[ "$PLAN" = 1 ] && exit 0
start_dockerd
record_sysctls
raise_inotify
ensure_probe_image
step "probing docker run --privileged"
if probe_privileged; then
  log "docker run --privileged works; no shim needed"
else
  log "privileged probe failed: $(head -1 "$SA_CACHE/probe-privileged.err")"
  install_shim
  probe_privileged || die "docker run --privileged still fails with the shim: $(cat "$SA_CACHE/probe-privileged.err")"
  log "docker run --privileged works with the $SHIM_NAME shim"
fi
step "host ready"
