#!/bin/bash
# Makes sure Debian's `chromium` is installed (for the matrix page's browser tests) and prints its path.
# Exits non-zero with the reason when it cannot be installed; the tests then fail, they never skip.
set -euo pipefail
# A browser named explicitly (e.g. google-chrome on a hosted runner) is used as it is.
if [ -n "${SA_CONFORMANCE_CHROMIUM:-}" ]; then
  [ -x "$SA_CONFORMANCE_CHROMIUM" ] || { echo "SA_CONFORMANCE_CHROMIUM=$SA_CONFORMANCE_CHROMIUM is not an executable" >&2; exit 1; }
  echo "$SA_CONFORMANCE_CHROMIUM"
  exit 0
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is not installed and installing it needs root: apt-get install -y chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium >/tmp/ensure-chromium.log 2>&1; then
    apt-get update >>/tmp/ensure-chromium.log 2>&1 || true
    apt-get install -y --no-install-recommends chromium >>/tmp/ensure-chromium.log 2>&1 || {
      echo "apt-get install -y chromium failed (log: /tmp/ensure-chromium.log):" >&2
      tail -5 /tmp/ensure-chromium.log >&2
      exit 1
    }
  fi
fi
command -v chromium
