#!/usr/bin/env bash
# Restarts the rig's RabbitMQ node: a clean stop (rabbitmqctl stop), then the SAME node again with the same
# name, ports and data directory, so durable quorum queues and the messages in them survive. Returns when
# the node and its AMQP listener answer again. The chaos test uses it; the S3 server is left alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rig="$root/.rig"
[ -f "$rig/rabbitmq.vars" ] || { echo "restart-rabbitmq: the rig is not running (no .rig/rabbitmq.vars)" >&2; exit 1; }
. "$root/scripts/rig/rabbitmq-env.sh"

rmq_env timeout 60 /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" stop >/dev/null 2>&1 || true
launcher="$(cat "$rig/rabbitmq.launcher.pid" 2>/dev/null || true)"
for _ in $(seq 1 100); do
  [ -n "$launcher" ] && kill -0 "$launcher" 2>/dev/null || break
  sleep 0.2
done
rmq_start
for _ in $(seq 1 120); do
  kill -0 "$(cat "$rig/rabbitmq.launcher.pid")" 2>/dev/null || { echo "restart-rabbitmq: rabbitmq-server exited (logs in .rig/log)" >&2; exit 1; }
  if rmq_env /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" --timeout 60 await_startup >/dev/null 2>&1; then
    echo "restart-rabbitmq: $node is back on 127.0.0.1:$amqp_port"
    exit 0
  fi
  sleep 1
done
echo "restart-rabbitmq: $node did not come back within 2 minutes" >&2
exit 1
