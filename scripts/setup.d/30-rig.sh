#!/usr/bin/env bash
# setup-for: test
# The integration-test rig's servers: RabbitMQ (Debian's rabbitmq-server) and an S3 API server
# (moto_server when it is on PATH, otherwise s3rver from npm in the repo-local .tools/ folder).
# Idempotent: quick when everything is already installed.
set -euo pipefail
root="${SEGLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  echo "setup: installing rabbitmq-server (apt)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
  # The package starts a system-wide broker; the rig runs its own private instance instead.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
  elif command -v service >/dev/null; then
    as_root service rabbitmq-server stop >/dev/null 2>&1 || true
  fi
fi

if command -v moto_server >/dev/null 2>&1; then
  exit 0
fi
if [ -x "$root/.tools/node_modules/.bin/s3rver" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm (apt) for the s3rver S3 API server"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "setup: installing s3rver (npm) into .tools/"
mkdir -p "$root/.tools"
[ -f "$root/.tools/package.json" ] || echo '{"name":"segloop-tools","private":true}' > "$root/.tools/package.json"
npm install --prefix "$root/.tools" --no-audit --no-fund --silent s3rver@3.7.1
