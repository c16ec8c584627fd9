#!/usr/bin/env bash
# setup-for: test
# Debian's Chromium, for the browser tests (the HTML reports in SegLoop.Cli.Tests, Label Studio's editor in
# SegLoop.Inference.Tests) through Microsoft.Playwright, which cannot download its own browsers here. Idempotent: nothing when chromium is on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

echo "setup: installing chromium (apt) for the report browser tests"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
