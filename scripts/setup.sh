#!/usr/bin/env bash
# Installs and builds everything SegLoop needs on a fresh Debian machine: each building block owns one
# step in scripts/setup.d/ (GTK 3 for OpenCvSharp's native library, the test rig's servers, the IS-Net model).
# Idempotent and quick when everything is already there. Run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SEGLOOP_ROOT="$root"
for step in "$root"/scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
