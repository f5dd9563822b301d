#!/bin/bash
# sa-conformance runc shim, installed by scripts/host-setup.sh only on hosts where
# `docker run --privileged` fails because the host's capability bounding set lacks
# CAP_SYS_RESOURCE (runc 1.1 grants every known capability to privileged containers
# and fails with "unable to apply caps: operation not permitted").
# It removes CAP_SYS_RESOURCE from the OCI bundle's config.json (create/run) and from
# the process spec (exec), then execs the real runc with the same arguments.
set -euo pipefail

REAL_RUNC=@REAL_RUNC@

cmd="" bundle="" process=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a=${args[i]}
  case "$a" in
    create | run | exec) [ -n "$cmd" ] || cmd=$a ;;
    --bundle | -b) bundle=${args[i + 1]:-} ;;
    --bundle=*) bundle=${a#--bundle=} ;;
    --process | -p) process=${args[i + 1]:-} ;;
    --process=*) process=${a#--process=} ;;
  esac
done

strip_caps() { # FILE JQ_PATH
  local f=$1 path=$2 tmp
  [ -f "$f" ] && grep -q CAP_SYS_RESOURCE "$f" || return 0
  tmp=$(mktemp "$f.XXXXXX")
  jq -c "if $path then $path |= with_entries(.value |= (if type == \"array\" then map(select(. != \"CAP_SYS_RESOURCE\")) else . end)) else . end" "$f" >"$tmp"
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
}

case "$cmd" in
  create | run) strip_caps "${bundle:-.}/config.json" .process.capabilities ;;
  exec) [ -z "$process" ] || strip_caps "$process" .capabilities ;;
esac
exec "$REAL_RUNC" "$@"
