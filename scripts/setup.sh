#!/usr/bin/env bash
# Installs and builds what SegLoop needs on a fresh Debian machine: each building block owns one step in scripts/setup.d/
# (GTK 3 for OpenCvSharp's native library, the test rig's servers, kubectl, the IS-Net model, Chromium for the browser tests,
# Label Studio's editor bundle).
# Each step says in a "# setup-for:" line whom it serves: `scripts/setup.sh cli` (what ./segloop runs on first use: the
# embedded default needs no RabbitMQ, S3 server, kubectl or browser) runs the steps for "cli"; `scripts/setup.sh` or
# `scripts/setup.sh test` (what scripts/test.sh runs) runs them all. Idempotent and quick when everything is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
purpose="${1:-test}"
case "$purpose" in cli|test) ;; *) echo "usage: scripts/setup.sh [cli|test]" >&2; exit 2 ;; esac
export SEGLOOP_ROOT="$root"
for step in "$root"/scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  for_line="$(grep -m1 '^# setup-for:' "$step" || true)"
  if [ "$purpose" = test ] || [[ " ${for_line#\# setup-for:} " == *" $purpose "* ]]; then
    bash "$step"
  fi
done
