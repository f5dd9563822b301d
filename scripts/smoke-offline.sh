#!/bin/bash
# End-to-end check of the offline kind setup, independent of the Rust harness:
# creates cluster sa-conformance-smoke from kind-config.yaml and the built node image,
# loads the tutorial images, runs the tutorial pod (dev/alpine-curl with ServiceAccount
# pod-inspector) and an nginx pod, and checks: node Ready, pods Running, kubectl exec,
# the ServiceAccount files, an API call from the pod that resolves through CoreDNS,
# verifies TLS and is answered 403 with a Status, and nginx through a Service.
# Deletes its cluster at the end (KEEP=1 keeps it). Needs build-offline.sh to have run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
# shellcheck disable=SC1091
source "$SA_CACHE/offline.env"

CLUSTER="${CLUSTER_PREFIX}-smoke"
KUBECONFIG="$SA_CACHE/smoke.kubeconfig"
export KUBECONFIG
k() { kubectl "$@"; }
fail() { k get pods -A -o wide >&2 || true; k get events -A >&2 || true; die "$*"; }

cleanup() {
  [ "${KEEP:-0}" = 1 ] && { log "KEEP=1: keeping cluster $CLUSTER (KUBECONFIG=$KUBECONFIG)"; return; }
  step "deleting cluster $CLUSTER"
  kind delete cluster --name "$CLUSTER" || true
  rm -f "$KUBECONFIG"
}
trap cleanup EXIT

kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
step "kind create cluster --name $CLUSTER --image $SA_CONFORMANCE_NODE_IMAGE"
kind create cluster --config "$REPO_ROOT/kind-config.yaml" --image "$SA_CONFORMANCE_NODE_IMAGE" --name "$CLUSTER"
k wait --for=condition=Ready node --all --timeout=120s || fail "node not Ready"

step "kind load docker-image of $SA_CONFORMANCE_LOAD_IMAGES (HOST=AS: named AS inside the node only)"
for spec in $SA_CONFORMANCE_LOAD_IMAGES; do
  host=${spec%%=*}; as=${spec#*=}
  kind load docker-image "$host" --name "$CLUSTER"
  if [ "$host" != "$as" ]; then
    case "$as" in */*) q="docker.io/$as" ;; *) q="docker.io/library/$as" ;; esac
    docker exec "$CLUSTER-control-plane" ctr --namespace=k8s.io images tag --force "docker.io/$host" "$q" >/dev/null
  fi
done

step "applying the tutorial pod and an nginx pod"
k apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: pod-inspector, namespace: dev}
---
apiVersion: v1
kind: Pod
metadata: {name: alpine-curl, namespace: dev}
spec:
  serviceAccountName: pod-inspector
  containers:
    - name: alpine-curl
      image: $CURL_IMAGE
      command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: dev, labels: {app: web}}
spec:
  containers:
    - name: nginx
      image: $NGINX_IMAGE
      ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: dev}
spec:
  selector: {app: web}
  ports: [{port: 80}]
EOF
k -n dev wait --for=condition=Ready pod/alpine-curl pod/web --timeout=120s || fail "pods not Ready"
k -n kube-system wait --for=condition=Ready pod -l k8s-app=kube-dns --timeout=120s || fail "CoreDNS not Ready"

step "ServiceAccount files in the pod"
k -n dev exec alpine-curl -- sh -c 'cd /var/run/secrets/kubernetes.io/serviceaccount && ls token ca.crt namespace && test "$(cat namespace)" = dev' ||
  fail "ServiceAccount files missing"

step "API call from the pod with the ServiceAccount token (expect 403 Status)"
out=$(k -n dev exec alpine-curl -- sh -c 'SA=/var/run/secrets/kubernetes.io/serviceaccount
  curl -sS --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" \
    -w "\nHTTP %{http_code}\n" https://kubernetes.default.svc/api/v1/namespaces/dev/pods') || fail "curl to the API failed"
printf '%s\n' "$out"
grep -q '^HTTP 403$' <<<"$out" || fail "expected HTTP 403"
grep -q '"kind": "Status"' <<<"$out" || fail "expected a Status body"

step "nginx through its Service"
code=$(k -n dev exec alpine-curl -- curl -sS -o /dev/null -w '%{http_code}' http://web.dev.svc/) || fail "curl to nginx failed"
[ "$code" = 200 ] || fail "nginx answered $code"
log "nginx answered 200"

step "smoke test passed"
