#!/usr/bin/env bash
# Container health probe without curl: GET http://127.0.0.1:${HEALTH_PORT:-8080}${1:-/healthz/ready}
# over bash's /dev/tcp and succeed only on HTTP 200. Used by the images' HEALTHCHECK and by compose.
set -euo pipefail
path="${1:-/healthz/ready}"
port="${HEALTH_PORT:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) echo "unhealthy: GET $path -> ${status:-no answer}" >&2; exit 1 ;;
esac
