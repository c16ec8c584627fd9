#!/usr/bin/env bash
# Stops the rig started by scripts/rig/start.sh: RabbitMQ cleanly (rabbitmqctl stop), then anything
# left by its pid files, then the rig's private epmd. Safe to run when nothing is running.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rig="$root/.rig"
[ -d "$rig" ] || exit 0

if [ -f "$rig/rabbitmq.node" ]; then
  node="$(cat "$rig/rabbitmq.node")"
  epmd_port="$(cat "$rig/epmd.port" 2>/dev/null || echo 4369)"
  HOME="$rig/home" ERL_CRASH_DUMP="$rig/log/erl_crash.dump" ERL_EPMD_PORT="$epmd_port" RABBITMQ_NODENAME="$node" \
    timeout 30 /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" stop >/dev/null 2>&1 || true
fi

kill_pid_file() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # The servers run in their own sessions (setsid): end the whole group, then insist.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}
kill_pid_file "$rig/s3.pid"
kill_pid_file "$rig/rabbitmq.pid"
kill_pid_file "$rig/rabbitmq.launcher.pid"

if [ -f "$rig/epmd.port" ]; then
  ERL_EPMD_PORT="$(cat "$rig/epmd.port")" epmd -kill >/dev/null 2>&1 || true
  rm -f "$rig/epmd.port"
fi
rm -f "$rig/env" "$rig/rabbitmq.node"
echo "rig: stopped"
