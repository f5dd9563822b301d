#!/bin/bash
# Builds everything a kind cluster needs on a machine with no container registry:
#   $SA_CACHE/bin      kind, kubectl, kubeadm, kubelet, crictl (+ the other k8s binaries)
#   host docker        registry.k8s.io/* component images, the kind node image,
#                      curlimages/curl and nginx stand-ins, all built from Go modules
#                      (Go module proxy) and Debian packages.
#   $SA_CACHE/offline.env   exports for the harness (PATH, node image, images to load)
# Every artefact is keyed by the pinned versions (scripts/versions.env) and its inputs;
# a warm run only verifies. Needs scripts/host-setup.sh to have run (dockerd up).
set -euo pipefail
# Version overrides from the environment (e.g. `K8S_VERSION=v1.35.4 bash build-offline.sh`):
# captured before versions.env is sourced, re-applied after. Unset = the pins.
OVERRIDABLE=(K8S_VERSION KIND_VERSION ETCD_VERSION ETCD_IMAGE_TAG COREDNS_VERSION PAUSE_VERSION
  CNI_PLUGINS_VERSION CRI_TOOLS_VERSION)
declare -A ENV_OVERRIDE=()
for v in "${OVERRIDABLE[@]}"; do [ -z "${!v:-}" ] || ENV_OVERRIDE[$v]=${!v}; done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

# Bump when the node assembly logic below changes in a way that must rebuild the node.
NODE_BUILD_REV=2

# Apply the overrides. Overridden = some version differs from its pin; then the etcd,
# CoreDNS and pause pins not given follow what that kubeadm asks for (its constants.go),
# everything goes to a cache dir of its own ($SA_CACHE/versions/...), and nothing a
# default build made (binaries, offline.env, the pinned node image, pause) is replaced.
OVERRIDDEN=0
PINNED_K8S_VERSION=$K8S_VERSION PINNED_PAUSE_VERSION=$PAUSE_VERSION
for v in "${!ENV_OVERRIDE[@]}"; do
  [ "${ENV_OVERRIDE[$v]}" = "${!v}" ] || OVERRIDDEN=1
  printf -v "$v" '%s' "${ENV_OVERRIDE[$v]}"
done
PAUSE_SRC_K8S_VERSION=$K8S_VERSION
if [ $OVERRIDDEN = 1 ]; then
  if [ "$K8S_VERSION" != "$PINNED_K8S_VERSION" ]; then
    command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
    kubeadm_constants="$(cd /tmp && GOTOOLCHAIN=local GOFLAGS='' go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .Dir)/cmd/kubeadm/app/constants/constants.go"
    kubeadm_const() { sed -n "s/^[[:space:]]*$1 = \"\(.*\)\"\$/\1/p" "$kubeadm_constants" | head -1; }
    [ -n "${ENV_OVERRIDE[ETCD_IMAGE_TAG]:-}" ] || ETCD_IMAGE_TAG=$(kubeadm_const DefaultEtcdVersion)
    [ -n "${ENV_OVERRIDE[ETCD_VERSION]:-}" ] || ETCD_VERSION="v${ETCD_IMAGE_TAG%-*}"
    [ -n "${ENV_OVERRIDE[COREDNS_VERSION]:-}" ] || COREDNS_VERSION=$(kubeadm_const CoreDNSVersion)
    [ -n "${ENV_OVERRIDE[PAUSE_VERSION]:-}" ] || PAUSE_VERSION=$(kubeadm_const PauseVersion)
    if [ -z "$ETCD_IMAGE_TAG" ] || [ -z "$COREDNS_VERSION" ] || [ -z "$PAUSE_VERSION" ]; then
      die "could not read etcd/coredns/pause versions from $kubeadm_constants: set them"
    fi
  fi
  # the pinned pause tag keeps the image a default build made (same pause.c source)
  [ "$PAUSE_VERSION" != "$PINNED_PAUSE_VERSION" ] || PAUSE_SRC_K8S_VERSION=$PINNED_K8S_VERSION
  # Always below the cache root, also when SA_CACHE is exported (as .ci/run and the docs do): an
  # overridden build into the root replaced the default build's binaries and offline.env under a
  # running CI (2026-12-07).
  SA_CACHE="$SA_CACHE/versions/k8s-$K8S_VERSION-kind-$KIND_VERSION"
  export SA_CACHE
  log "version overrides: k8s $K8S_VERSION kind $KIND_VERSION etcd $ETCD_VERSION ($ETCD_IMAGE_TAG) coredns $COREDNS_VERSION pause $PAUSE_VERSION cni $CNI_PLUGINS_VERSION crictl $CRI_TOOLS_VERSION; cache $SA_CACHE"
fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
export DOCKER_BUILDKIT=0
BIN="$SA_CACHE/bin"
STAMPS="$SA_CACHE/stamps"
SRC="$SA_CACHE/src"
LOGS="$SA_CACHE/logs"
mkdir -p "$BIN" "$STAMPS" "$SRC" "$LOGS"

K8S_STAGING_VERSION="v0.${K8S_VERSION#v1.}"
K8S_MINOR="${K8S_VERSION#v1.}"; K8S_MINOR="${K8S_MINOR%%.*}"
K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$K8S_MINOR -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)
PAUSE_IMAGE="$K8S_REGISTRY/pause:$PAUSE_VERSION"

NODE_PACKAGES=systemd,systemd-sysv,dbus,containerd,runc,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,ca-certificates,curl,jq,procps,conntrack,socat,bash
USERLAND_PACKAGES=ca-certificates,curl,nginx,iptables,conntrack,procps,iproute2
ROOTFS_REV=1

standin()     { printf '%s/%s' "$STANDIN_PREFIX" "$1"; }   # host name of a stand-in for image $1
stamp_ok()    { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
# A stamp is written whole or not at all (a full disk must not leave a stamp that half says "built").
stamp_write() { printf '%s\n' "$2" >"$STAMPS/.$1.partial" && mv -f "$STAMPS/.$1.partial" "$STAMPS/$1"; }
image_key()   { docker image inspect -f '{{index .Config.Labels "sa-conformance.inputs"}}' "$1" 2>/dev/null || true; }
image_ok()    { [ "$(image_key "$1")" = "$2" ]; }

# ---------------------------------------------------------------- Go builds

go_mod_dir() { # MODULE@VERSION -> directory in the module cache (downloads it)
  (cd "$SRC" && GOFLAGS='' go mod download -json "$1" | jq -r .Dir)
}

build_k8s() {
  local key="k8s $K8S_VERSION $K8S_LDFLAGS" f ok=1
  for f in "${K8S_CMDS[@]}"; do [ -x "$BIN/$f" ] || ok=0; done
  if [ $ok = 1 ] && stamp_ok k8s "$key"; then log "kubernetes $K8S_VERSION binaries: cached"; return; fi
  local dir="$SRC/k8s-$K8S_VERSION"
  step "building kubernetes $K8S_VERSION (${K8S_CMDS[*]}) in $dir"
  mkdir -p "$dir"
  if [ ! -f "$dir/go.sum" ]; then
    local up
    up=$(go_mod_dir "k8s.io/kubernetes@$K8S_VERSION")
    (
      cd "$dir"
      rm -f go.mod
      go mod init sa-conformance/k8s-build >/dev/null 2>&1
      go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
      # upstream's replaces point at ./staging, which a dependency ignores: pin each
      # staging module to its published v0.X.Y instead.
      local m
      for m in $(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$up/go.mod"); do
        go mod edit -replace="$m=$m@$K8S_STAGING_VERSION"
      done
      {
        echo '//go:build tools'
        echo
        echo 'package tools'
        echo
        echo 'import ('
        for m in "${K8S_CMDS[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$m\""; done
        echo ')'
      } >tools.go
      go mod tidy
    )
  fi
  local pkgs=()
  for f in "${K8S_CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$f"); done
  (cd "$dir" && mkdir -p bin && go build -trimpath -ldflags "$K8S_LDFLAGS" -o bin/ "${pkgs[@]}")
  for f in "${K8S_CMDS[@]}"; do publish "$dir/bin/$f" "$BIN/$f"; done
  stamp_write k8s "$key"
}

# go_install NAME KEY GOBIN "BINARIES" PKG@VERSION...: `go install` of modules without replaces
go_install() {
  local name=$1 key=$2 gobin=$3 bins=$4 b ok=1; shift 4
  for b in $bins; do [ -x "$gobin/$b" ] || ok=0; done
  if [ $ok = 1 ] && stamp_ok "$name" "$key"; then log "$name: cached"; return; fi
  step "go install $*"
  # into a staging folder beside the binaries, then renamed into place: a build that fails (a full
  # disk) leaves no half-written binary where a later build would look
  local stage="$gobin/.partial-$name"
  rm -rf "$stage"
  mkdir -p "$stage"
  if ! (cd "$SRC" && GOFLAGS='' GOBIN="$stage" go install -trimpath -ldflags "-s -w ${GO_X_FLAGS:-}" "$@"); then
    rm -rf "$stage"
    die "go install of $name failed (what it wrote is removed)"
  fi
  for b in $bins; do mv -f "$stage/$b" "$gobin/$b"; done
  rm -rf "$stage"
  stamp_write "$name" "$key"
}

# publish FILE DEST: DEST becomes a 0755 copy of FILE whole, or stays as it was (copied beside it, then
# renamed); a copy cut short by a full disk is removed.
publish() {
  local part
  part="$(dirname "$2")/.$(basename "$2").partial"
  if ! install -m 0755 "$1" "$part"; then
    rm -f "$part"
    die "cannot copy $1 into the cache as $2 (the partial copy is removed)"
  fi
  mv -f "$part" "$2"
}

build_kind() {
  go_install kind "kind $KIND_VERSION" "$BIN" kind "sigs.k8s.io/kind@$KIND_VERSION"
}

build_crictl() {
  GO_X_FLAGS="-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRI_TOOLS_VERSION" \
    go_install crictl "crictl $CRI_TOOLS_VERSION 2" "$BIN" crictl "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
}

build_cni() {
  local p="github.com/containernetworking/plugins/plugins" v="$CNI_PLUGINS_VERSION"
  go_install cni "cni $v" "$SA_CACHE/cni/bin" "bridge loopback host-local portmap" \
    "$p/main/bridge@$v" "$p/main/loopback@$v" "$p/ipam/host-local@$v" "$p/meta/portmap@$v"
}

# etcd's modules carry replace directives, so `go install mod@version` refuses them:
# build from a go.mod of our own (their replaces are ignored for a dependency).
build_etcd() {
  local key="etcd $ETCD_VERSION" dir="$SRC/etcd-$ETCD_VERSION"
  if stamp_ok etcd "$key" && [ -x "$dir/bin/etcd" ]; then log "etcd $ETCD_VERSION: cached"; return; fi
  step "building etcd $ETCD_VERSION (etcd, etcdctl, etcdutl) in $dir"
  mkdir -p "$dir/bin"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init sa-conformance/etcd-build >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION" \
      "go.etcd.io/etcd/etcdutl/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o bin/etcd go.etcd.io/etcd/server/v3
    go build -trimpath -ldflags "-s -w" -o bin/etcdctl go.etcd.io/etcd/etcdctl/v3
    go build -trimpath -ldflags "-s -w" -o bin/etcdutl go.etcd.io/etcd/etcdutl/v3
  )
  stamp_write etcd "$key"
}

build_coredns() {
  local main="$REPO_ROOT/images/coredns/main.go"
  local key dir="$SRC/coredns-$COREDNS_VERSION"
  key="coredns $COREDNS_VERSION $(hash_inputs "$main")"
  if stamp_ok coredns "$key" && [ -x "$dir/bin/coredns" ]; then log "coredns $COREDNS_VERSION: cached"; return; fi
  step "building coredns $COREDNS_VERSION (plugins of kubeadm's Corefile) in $dir"
  mkdir -p "$dir/bin"
  cp "$main" "$dir/main.go"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init sa-conformance/coredns-build >/dev/null 2>&1
    go get "github.com/coredns/coredns@$COREDNS_VERSION"
    go mod tidy
    go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" -o bin/coredns .
  )
  stamp_write coredns "$key"
}

build_pause() {
  local key="pause $PAUSE_VERSION $PAUSE_SRC_K8S_VERSION" out="$SRC/pause-$PAUSE_VERSION/pause"
  if stamp_ok pause "$key" && [ -x "$out" ]; then log "pause $PAUSE_VERSION: cached"; return; fi
  step "building pause $PAUSE_VERSION with gcc -static from k8s.io/kubernetes@$PAUSE_SRC_K8S_VERSION build/pause"
  local up
  up=$(go_mod_dir "k8s.io/kubernetes@$PAUSE_SRC_K8S_VERSION")
  mkdir -p "$(dirname "$out")"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION" -o "$out" "$up/build/pause/linux/pause.c"
  strip "$out"
  stamp_write pause "$key"
}

# ---------------------------------------------------------------- Debian rootfs images

# debootstrap_image NAME IMAGE PACKAGES: minbase rootfs -> docker import (background-safe)
debootstrap_image() {
  local name=$1 image=$2 packages=$3 key=$4
  local dir="$SA_CACHE/rootfs/$name"
  clean_rootfs_dir "$dir"
  mkdir -p "$dir"
  debootstrap --variant=minbase --include="$packages" "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log
  tar -C "$dir" --numeric-owner -c . |
    docker import -c 'ENV container=docker' -c "LABEL sa-conformance.inputs=$key" - "$image" >/dev/null
  clean_rootfs_dir "$dir"
}

# A failed debootstrap can leave proc/sys mounted inside the target: unmount, and never
# let rm cross into another filesystem.
clean_rootfs_dir() {
  local m
  [ -d "$1" ] || return 0
  for m in $(findmnt -rn -o TARGET | grep "^$1/" | sort -r); do umount -l "$m" || true; done
  rm -rf --one-file-system "$1"
}

ROOTFS_PIDS=()
start_rootfs() { # NAME IMAGE PACKAGES
  local name=$1 image=$2 packages=$3 key
  key=$(hash_inputs "$ROOTFS_REV" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$packages")
  if image_ok "$image" "$key"; then log "$image ($name rootfs): cached"; return; fi
  step "debootstrap $DEBIAN_SUITE $name rootfs -> $image in the background (log: $LOGS/rootfs-$name.log)"
  ( timed "rootfs-$name" debootstrap_image "$name" "$image" "$packages" "$key" ) >"$LOGS/rootfs-$name.log" 2>&1 &
  ROOTFS_PIDS+=("$!:$name")
}

wait_rootfs() {
  local e
  for e in ${ROOTFS_PIDS[@]+"${ROOTFS_PIDS[@]}"}; do
    if ! wait "${e%%:*}"; then
      tail -30 "$LOGS/rootfs-${e#*:}.log" >&2
      die "debootstrap of the ${e#*:} rootfs failed (log: $LOGS/rootfs-${e#*:}.log)"
    fi
    log "${e#*:} rootfs imported"
  done
  ROOTFS_PIDS=()
}

# ---------------------------------------------------------------- component images

# scratch_image IMAGE KEY ENTRYPOINT_JSON FILE:DEST...: one-layer image of static binaries
scratch_image() {
  local image=$1 key=$2 entry=$3; shift 3
  if image_ok "$image" "$key"; then log "$image: cached"; return; fi
  step "docker import $image"
  local d spec
  d=$(mktemp -d)
  mkdir -p "$d/root/tmp" "$d/root/etc"
  chmod 1777 "$d/root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$d/root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$d/root/etc/group"
  for spec in "$@"; do
    install -D -m 0755 "${spec%%:*}" "$d/root/${spec#*:}"
  done
  tar -C "$d/root" --numeric-owner --owner=0 --group=0 -c . |
    docker import \
      -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      -c "ENTRYPOINT $entry" \
      -c "LABEL sa-conformance.inputs=$key" - "$image" >/dev/null
  rm -rf "$d"
}

# dockerfile_image IMAGE KEY DIR FILE...: docker build of images/DIR on the userland rootfs
dockerfile_image() {
  local image=$1 key=$2 dir=$3; shift 3
  if image_ok "$image" "$key"; then log "$image: cached"; return; fi
  step "docker build $image (images/$dir)"
  local ctx f
  ctx=$(mktemp -d)
  cp -r "$REPO_ROOT/images/$dir/." "$ctx/"
  for f in "$@"; do cp "$f" "$ctx/"; done
  docker build -q --build-arg "USERLAND_IMAGE=$USERLAND_IMAGE" --label "sa-conformance.inputs=$key" \
    -t "$image" "$ctx" >/dev/null
  rm -rf "$ctx"
}

build_component_images() {
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    scratch_image "$(standin "$K8S_REGISTRY/$b:$K8S_VERSION")" "$(hash_inputs 1 "$(cat "$STAMPS/k8s")")" \
      "[\"/usr/local/bin/$b\"]" "$BIN/$b:usr/local/bin/$b"
  done
  local etcd_dir="$SRC/etcd-$ETCD_VERSION/bin"
  scratch_image "$(standin "$K8S_REGISTRY/etcd:$ETCD_IMAGE_TAG")" "$(hash_inputs 1 "$(cat "$STAMPS/etcd")")" \
    '["/usr/local/bin/etcd"]' \
    "$etcd_dir/etcd:usr/local/bin/etcd" "$etcd_dir/etcdctl:usr/local/bin/etcdctl" "$etcd_dir/etcdutl:usr/local/bin/etcdutl"
  scratch_image "$(standin "$K8S_REGISTRY/coredns/coredns:$COREDNS_VERSION")" "$(hash_inputs 1 "$(cat "$STAMPS/coredns")")" \
    '["/coredns"]' "$SRC/coredns-$COREDNS_VERSION/bin/coredns:coredns"
  scratch_image "$(standin "$PAUSE_IMAGE")" "$(hash_inputs 1 "$(cat "$STAMPS/pause")")" \
    '["/pause"]' "$SRC/pause-$PAUSE_VERSION/pause:pause"
  dockerfile_image "$(standin "$K8S_REGISTRY/kube-proxy:$K8S_VERSION")" \
    "$(hash_inputs "$(cat "$STAMPS/k8s")" "$USERLAND_KEY" "$REPO_ROOT/images/kube-proxy")" kube-proxy "$BIN/kube-proxy"
}

build_tutorial_images() {
  dockerfile_image "$(standin "$CURL_IMAGE")" "$(hash_inputs "$USERLAND_KEY" "$REPO_ROOT/images/curl")" curl
  dockerfile_image "$(standin "$NGINX_IMAGE")" "$(hash_inputs "$USERLAND_KEY" "$REPO_ROOT/images/nginx")" nginx
}

# Images kubeadm pulls, as the built kubeadm lists them; all must exist locally.
component_image_list() {
  "$BIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null
}

# ---------------------------------------------------------------- node image

node_rootfs() { # DIR: assemble the files added on top of the Debian node rootfs
  local r=$1 kf
  kf="$(go_mod_dir "sigs.k8s.io/kind@$KIND_VERSION")/images/base/files"
  mkdir -p "$r/usr/local/bin" "$r/usr/bin" "$r/kind/bin" "$r/kind/manifests" "$r/etc/containerd" \
    "$r/etc/cni/net.d" "$r/opt/cni/bin" "$r/etc/default" "$r/etc/sysctl.d" \
    "$r/etc/systemd/system/kubelet.service.d"
  # kind's node files, straight from the kind module (not kept in this repo)
  cp "$kf/usr/local/bin/entrypoint" "$r/usr/local/bin/entrypoint"
  cp "$kf"/kind/bin/*.sh "$r/kind/bin/"
  cp "$kf/etc/crictl.yaml" "$r/etc/crictl.yaml"
  cp "$kf/etc/default/kubelet" "$r/etc/default/kubelet"
  cp "$kf"/etc/sysctl.d/*.conf "$r/etc/sysctl.d/"
  cp "$kf"/etc/systemd/system/{kubelet.service,kubelet.slice,undo-mount-hacks.service} "$r/etc/systemd/system/"
  cp "$kf"/etc/systemd/system/kubelet.service.d/*.conf "$r/etc/systemd/system/kubelet.service.d/"
  # this repo's node files
  local n="$REPO_ROOT/images/node"
  sed "s#@PAUSE_IMAGE@#$PAUSE_IMAGE#" "$n/containerd-config.toml" >"$r/etc/containerd/config.toml"
  sed "s#@POD_SUBNET@#$POD_SUBNET#" "$n/10-bridge.conflist" >"$r/etc/cni/net.d/10-bridge.conflist"
  sed "s#@POD_SUBNET@#$POD_SUBNET#" "$n/default-cni.yaml" >"$r/kind/manifests/default-cni.yaml"
  cp "$n/default-storage.yaml" "$r/kind/manifests/default-storage.yaml"
  cp "$n/99-sa-conformance-bridge.conf" "$r/etc/sysctl.d/"
  printf '%s' "$K8S_VERSION" >"$r/kind/version"
  # binaries
  cp "$BIN"/{kubeadm,kubelet,kubectl} "$r/usr/bin/"
  cp "$BIN/crictl" "$r/usr/local/bin/crictl"
  cp "$SA_CACHE"/cni/bin/{bridge,loopback,host-local,portmap} "$r/opt/cni/bin/"
  chmod -R go-w "$r"
}

build_node_image() {
  local images=() i key
  mapfile -t images < <(component_image_list)
  [ ${#images[@]} -ge 7 ] || die "kubeadm listed too few images: ${images[*]}"
  local ids=""
  for i in "${images[@]}"; do
    image_exists "$(standin "$i")" || die "kubeadm wants $i, whose stand-in $(standin "$i") was not built"
    ids+="$i=$(image_key "$(standin "$i")") "
  done
  key=$(hash_inputs "$NODE_BUILD_REV" "$NODE_BASE_KEY" "$ids" "$KIND_VERSION" "$(cat "$STAMPS/crictl")" \
    "$(cat "$STAMPS/cni")" "$(cat "$STAMPS/k8s")" "$POD_SUBNET" "$REPO_ROOT/images/node")
  NODE_IMAGE="$NODE_IMAGE_REPO:$K8S_VERSION-$key"
  if image_ok "$NODE_IMAGE" "$key"; then
    log "$NODE_IMAGE: cached"
  else
    step "assembling node image layer (kind $KIND_VERSION files, binaries, CNI, containerd config)"
    local ctx tmp_image="$NODE_IMAGE_REPO:build-$key" cid
    ctx=$(mktemp -d)
    cp "$REPO_ROOT/images/node/Dockerfile" "$ctx/"
    node_rootfs "$ctx/rootfs"
    docker build -q --build-arg "BASE_IMAGE=$NODE_BASE_IMAGE" -t "$tmp_image" "$ctx" >/dev/null
    rm -rf "$ctx"
    step "preloading ${#images[@]} component images into the node's containerd (no unpack)"
    cid=$(docker run -d --entrypoint=sleep --security-opt seccomp=unconfined "$tmp_image" infinity)
    docker exec "$cid" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &
      for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 1; done
      cat /tmp/containerd.log; exit 1'
    local hosts=()
    for i in "${images[@]}"; do hosts+=("$(standin "$i")"); done
    docker save "${hosts[@]}" |
      docker exec -i "$cid" ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests -
    # the documented names exist only here, inside the node
    for i in "${images[@]}"; do
      docker exec "$cid" ctr --namespace=k8s.io images tag --force "docker.io/$(standin "$i")" "$i" >/dev/null
      docker exec "$cid" ctr --namespace=k8s.io images rm "docker.io/$(standin "$i")" >/dev/null
    done
    docker exec "$cid" ctr --namespace=k8s.io images list -q >&2
    # sleep is PID 1 and reaps nothing: wait until no live (non-zombie) containerd is left
    docker exec "$cid" bash -c 'pkill containerd
      for i in $(seq 1 30); do ps -C containerd -o stat= | grep -qv "^Z" || exit 0; sleep 1; done; exit 1'
    docker commit \
      --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
      --change "LABEL sa-conformance.inputs=$key" \
      "$cid" "$NODE_IMAGE" >/dev/null
    docker rm -f -v "$cid" >/dev/null
    docker rmi "$tmp_image" >/dev/null
  fi
  docker tag "$NODE_IMAGE" "$NODE_IMAGE_REPO:$K8S_VERSION"
  # drop node images of older inputs (1.4 GB each); one still in use stays
  # (an override build only drops older node images of its own Kubernetes version)
  local old only=(cat)
  [ $OVERRIDDEN = 0 ] || only=(grep -F "$NODE_IMAGE_REPO:$K8S_VERSION-")
  for old in $(docker image ls "$NODE_IMAGE_REPO" --format '{{.Repository}}:{{.Tag}}' | "${only[@]}" | grep -v -e ":$K8S_VERSION\$" -e "^$NODE_IMAGE\$" || true); do
    log "removing superseded node image $old"
    docker rmi "$old" >/dev/null 2>&1 || log "kept $old (in use)"
  done
}

# Earlier versions of this script tagged stand-ins with the documented names in the host's Docker;
# remove those tags, and only those (they carry this build's label).
untag_legacy_standins() {
  local i
  for i in $(component_image_list) "$CURL_IMAGE" "$NGINX_IMAGE"; do
    if [ -n "$(image_key "$i")" ]; then
      log "removing legacy host tag $i (a stand-in made by an earlier build; now $(standin "$i"))"
      docker rmi "$i" >/dev/null 2>&1 || log "kept $i (in use)"
    fi
  done
}

write_offline_env() {
  local f="$SA_CACHE/offline.env"
  cat >"$f.tmp" <<EOF
# written by scripts/build-offline.sh; source it before running the harness
export PATH="$BIN:\$PATH"
export SA_CONFORMANCE_NODE_IMAGE="$NODE_IMAGE"
export SA_CONFORMANCE_LOAD_IMAGES="$(standin "$CURL_IMAGE")=$CURL_IMAGE $(standin "$NGINX_IMAGE")=$NGINX_IMAGE"
export SA_CONFORMANCE_KIND_CONFIG="$REPO_ROOT/kind-config.yaml"
EOF
  mv "$f.tmp" "$f"
  step "wrote $f:"
  cat "$f"
}

# Stopped (Ctrl-C, a TERM relayed by sudo): the background rootfs builds stop too, so nothing goes on
# writing into the cache after the build said it ended.
stop_background() {
  local p
  for p in $(jobs -p); do
    pkill -TERM -P "$p" 2>/dev/null || true
    kill -TERM "$p" 2>/dev/null || true
  done
}
trap 'stop_background; exit 143' TERM
trap 'stop_background; exit 130' INT

# One build at a time per cache: a second build into the same $SA_CACHE (a test run that starts the
# build by itself while .ci/run builds, two terminals) waits for the first and then finds its work
# cached, instead of both writing the same images and stamps. The lock goes with the process.
lock_cache() {
  mkdir -p "$SA_CACHE"
  exec 9>"$SA_CACHE/.build.lock"
  if ! flock -n 9; then
    log "another offline build into $SA_CACHE is running; waiting for it to finish"
    flock 9
    log "the other build finished; going on (what it built is cached)"
  fi
}

# SA_BUILD_ONLY="kind crictl ...": build only these parts (kind crictl cni pause k8s etcd coredns), no
# images and no offline.env: to rebuild one part, or to try a build step alone. Unset: everything.
wants() { [ -z "${SA_BUILD_ONLY:-}" ] || [[ " ${SA_BUILD_ONLY//,/ } " == *" $1 "* ]]; }

# The free space on the cache's filesystem, in MiB.
cache_free_mib() { df -Pm "$SA_CACHE" 2>/dev/null | awk 'NR == 2 {print $4}'; }
# About what a cold build keeps in $SA_CACHE (binaries, sources, a Debian rootfs while it is imported).
CACHE_NEEDS_MIB=2048

# On a failed build: when the cache's filesystem is (nearly) full, say so in one line with what to do;
# what finished is kept (each part's stamp is written after the part is whole), so the next build
# resumes from there.
on_exit() {
  local code=$1 free
  { [ "$code" -ne 0 ] && [ "$code" -ne 130 ] && [ "$code" -ne 143 ]; } || return 0
  free=$(cache_free_mib)
  if [ -n "$free" ] && [ "$free" -lt 256 ]; then
    printf '[%s] ERROR: the offline build cache %s is full: %s MiB free on its filesystem (%s); a build needs about %s MiB there. Free space there, or set SA_CACHE to a larger disk, then run the build again: the parts already built are kept and not rebuilt.\n' \
      "$(date +%H:%M:%S)" "$SA_CACHE" "$free" "$(df -P "$SA_CACHE" | awk 'NR == 2 {print $6}')" "$CACHE_NEEDS_MIB" >&2
  fi
}
trap 'on_exit $?' EXIT

main() {
  local t0
  t0=$(date +%s)
  lock_cache
  docker_ready || die "docker does not answer: run scripts/host-setup.sh first"
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null || die "go not found (the Go toolchain builds every binary)"
  step "sa-conformance offline build into $SA_CACHE (k8s $K8S_VERSION, kind $KIND_VERSION, go $(go env GOVERSION))"
  local free
  free=$(cache_free_mib)
  if [ -n "$free" ] && [ "$free" -lt "$CACHE_NEEDS_MIB" ]; then
    log "warning: $free MiB free on the filesystem of $SA_CACHE; a cold build needs about $CACHE_NEEDS_MIB MiB there (a warm one nothing)"
  fi
  if [ -n "${SA_BUILD_ONLY:-}" ]; then
    log "SA_BUILD_ONLY: building only ${SA_BUILD_ONLY//,/ }; no images and no offline.env"
    if wants kind; then timed go-kind build_kind; fi
    if wants crictl; then timed go-crictl build_crictl; fi
    if wants cni; then timed go-cni build_cni; fi
    if wants pause; then timed pause build_pause; fi
    if wants k8s; then timed go-k8s build_k8s; fi
    if wants etcd; then timed go-etcd build_etcd; fi
    if wants coredns; then timed go-coredns build_coredns; fi
    step "done in $(($(date +%s) - t0))s"
    return 0
  fi

  # Debian rootfs images download while Go compiles.
  NODE_BASE_KEY=$(hash_inputs "$ROOTFS_REV" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$NODE_PACKAGES")
  USERLAND_KEY=$(hash_inputs "$ROOTFS_REV" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$USERLAND_PACKAGES")
  NODE_BASE_IMAGE="$NODE_IMAGE_REPO-base:$DEBIAN_SUITE-$NODE_BASE_KEY"
  USERLAND_IMAGE="$USERLAND_IMAGE_REPO:$DEBIAN_SUITE-$USERLAND_KEY"
  start_rootfs node "$NODE_BASE_IMAGE" "$NODE_PACKAGES"
  start_rootfs userland "$USERLAND_IMAGE" "$USERLAND_PACKAGES"

  timed go-kind build_kind
  timed go-crictl build_crictl
  timed go-cni build_cni
  timed pause build_pause
  timed go-k8s build_k8s
  timed go-etcd build_etcd
  timed go-coredns build_coredns

  wait_rootfs
  timed component-images build_component_images
  timed tutorial-images build_tutorial_images
  timed node-image build_node_image
  untag_legacy_standins
  write_offline_env
  step "done in $(($(date +%s) - t0))s"
}

main "$@"
