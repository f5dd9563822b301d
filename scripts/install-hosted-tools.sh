#!/usr/bin/env bash
# On a hosted CI runner (a registry, a non-root user with passwordless sudo): installs the kind and
# kubectl pinned in scripts/versions.env into /usr/local/bin with sudo, each verified:
#   - kind by `go install` (Go checks every module against its checksum database);
#   - kubectl from dl.k8s.io, checked against the SHA-256 published beside it.
# Idempotent: a tool already at the pinned version is left as it is. Not for the offline machines,
# which build both (scripts/build-offline.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
dest=/usr/local/bin

if [ "$(kind version 2>/dev/null | awk '{print $2}')" = "$HOSTED_KIND_VERSION" ]; then
  log "kind $HOSTED_KIND_VERSION already installed"
else
  step "go install sigs.k8s.io/kind@$HOSTED_KIND_VERSION"
  gobin=$(mktemp -d)
  GOBIN="$gobin" go install "sigs.k8s.io/kind@$HOSTED_KIND_VERSION"
  as_root install -m 0755 "$gobin/kind" "$dest/kind"
  rm -rf "$gobin"
fi

if kubectl version --client 2>/dev/null | grep -qF "Client Version: $HOSTED_K8S_VERSION"; then
  log "kubectl $HOSTED_K8S_VERSION already installed"
else
  step "kubectl $HOSTED_K8S_VERSION from dl.k8s.io, checked against its published SHA-256"
  d=$(mktemp -d)
  base="https://dl.k8s.io/release/$HOSTED_K8S_VERSION/bin/linux/amd64"
  curl -fsSLo "$d/kubectl" "$base/kubectl"
  curl -fsSLo "$d/kubectl.sha256" "$base/kubectl.sha256"
  echo "$(cat "$d/kubectl.sha256")  $d/kubectl" | sha256sum --check --status || die "kubectl $HOSTED_K8S_VERSION does not match its published SHA-256"
  as_root install -m 0755 "$d/kubectl" "$dest/kubectl"
  rm -rf "$d"
fi
log "kind: $(kind version)"
log "kubectl: $(kubectl version --client 2>/dev/null | head -1)"
