#!/usr/bin/env bash
# setup-for: test
# kubectl, to render the Kubernetes manifests with its built-in kustomize (scripts/deploy-check.sh,
# tests/SegLoop.Deploy.Tests). Debian 12's kubernetes-client (kubectl 1.20, kustomize v2) is enough:
# deploy/k8s keeps to the features it supports. Idempotent: does nothing when kubectl is on PATH.
set -euo pipefail

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

echo "setup: installing kubectl (apt: kubectl if a repository offers it, else kubernetes-client)"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
if apt-cache show kubectl >/dev/null 2>&1; then
  as_root apt-get install -y -qq --no-install-recommends kubectl >/dev/null
else
  as_root apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi
kubectl version --client >/dev/null
