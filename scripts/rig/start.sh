#!/usr/bin/env bash
# Starts the integration-test rig on free loopback ports: a private RabbitMQ node (management plugin
# on) and an S3 API server (moto_server, or s3rver). Everything lives under .rig/; the addresses go
# to .rig/env (source it, or let SegLoop.Testing.Rig read it). Stop with scripts/rig/stop.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rig="$root/.rig"

if [ -f "$rig/env" ] && [ -f "$rig/rabbitmq.pid" ] && kill -0 "$(cat "$rig/rabbitmq.pid")" 2>/dev/null; then
  echo "rig: already running (.rig/env); stop it with scripts/rig/stop.sh"
  exit 0
fi
"$root/scripts/rig/stop.sh" >/dev/null 2>&1 || true
rm -rf "$rig"
mkdir -p "$rig/home" "$rig/mnesia" "$rig/log" "$rig/s3"

# Free ports, chosen by the kernel and released just before the servers bind them.
read -r amqp_port mgmt_port dist_port epmd_port s3_port < <(python3 - <<'PY' 2>/dev/null || node -e '
const net=require("net");const ps=[];let n=0;const socks=[];
for(let i=0;i<5;i++){const s=net.createServer();s.listen(0,"127.0.0.1",()=>{ps[i]=s.address().port;socks.push(s);if(++n==5){console.log(ps.join(" "));socks.forEach(x=>x.close());}});}'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
)

# RabbitMQ: its own node name, ports, data, logs, plugins and Erlang cookie; as root is fine here.
node="segloop-rig-$amqp_port@localhost"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$rig/home/.erlang.cookie"
chmod 400 "$rig/home/.erlang.cookie"
echo "[rabbitmq_management]." > "$rig/enabled_plugins"
cat > "$rig/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp_port
management.tcp.ip = 127.0.0.1
management.tcp.port = $mgmt_port
CONF
# Everything that names this node goes to .rig/rabbitmq.vars, so restart-rabbitmq.sh starts the SAME node
# (same ports, same data directory: durable quorum queues and their messages survive a restart).
cat > "$rig/rabbitmq.vars" <<VARS
node=$node
amqp_port=$amqp_port
mgmt_port=$mgmt_port
dist_port=$dist_port
epmd_port=$epmd_port
VARS
. "$root/scripts/rig/rabbitmq-env.sh"
echo "$epmd_port" > "$rig/epmd.port"
echo "$node" > "$rig/rabbitmq.node"
rmq_start

# S3 API server.
if command -v moto_server >/dev/null 2>&1; then
  setsid moto_server -H 127.0.0.1 -p "$s3_port" > "$rig/log/s3.out" 2>&1 < /dev/null &
  s3_kind=moto_server
elif [ -x "$root/.tools/node_modules/.bin/s3rver" ]; then
  setsid "$root/.tools/node_modules/.bin/s3rver" --directory "$rig/s3" --address 127.0.0.1 --port "$s3_port" --silent \
    > "$rig/log/s3.out" 2>&1 < /dev/null &
  s3_kind=s3rver
else
  echo "rig: no S3 API server: run scripts/setup.sh (installs s3rver when moto_server is missing)" >&2
  "$root/scripts/rig/stop.sh" >/dev/null 2>&1 || true
  exit 1
fi
echo $! > "$rig/s3.pid"

fail() {
  echo "rig: $1" >&2
  tail -n 30 "$rig/log/server.out" "$rig/log/s3.out" >&2 2>/dev/null || true
  "$root/scripts/rig/stop.sh" >/dev/null 2>&1 || true
  exit 1
}

# Wait for RabbitMQ (the node, then its AMQP and management listeners) and for S3.
# await_startup refuses at once while the node is not yet registered with epmd: poll until it answers.
rmq_up=0
for _ in $(seq 1 120); do
  kill -0 "$(cat "$rig/rabbitmq.launcher.pid")" 2>/dev/null || fail "rabbitmq-server exited (logs in .rig/log)"
  if rmq_env /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" --timeout 60 await_startup >/dev/null 2>&1; then
    rmq_up=1; break
  fi
  sleep 1
done
[ "$rmq_up" = 1 ] || fail "RabbitMQ did not start within 2 minutes (logs in .rig/log)"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -u guest:guest "http://127.0.0.1:$mgmt_port/api/overview" && break
  sleep 0.3
done
curl -fsS -o /dev/null -u guest:guest "http://127.0.0.1:$mgmt_port/api/overview" || fail "RabbitMQ management API did not answer"
for _ in $(seq 1 100); do
  curl -sS -o /dev/null "http://127.0.0.1:$s3_port/" 2>/dev/null && break
  sleep 0.3
done
curl -sS -o /dev/null "http://127.0.0.1:$s3_port/" 2>/dev/null || fail "$s3_kind did not answer on port $s3_port"

cat > "$rig/env.tmp" <<ENV
export SEGLOOP_TEST_RABBITMQ_URI=amqp://guest:guest@127.0.0.1:$amqp_port/
export SEGLOOP_TEST_RABBITMQ_MANAGEMENT_URI=http://127.0.0.1:$mgmt_port/
export SEGLOOP_TEST_S3_ENDPOINT=http://127.0.0.1:$s3_port
export SEGLOOP_TEST_S3_SERVER=$s3_kind
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_REGION=us-east-1
ENV
mv "$rig/env.tmp" "$rig/env"
echo "rig: RabbitMQ amqp://127.0.0.1:$amqp_port (management :$mgmt_port), $s3_kind http://127.0.0.1:$s3_port"
