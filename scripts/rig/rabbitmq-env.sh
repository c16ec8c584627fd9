# Sourced by start.sh and restart-rabbitmq.sh with $rig set: rmq_env runs a command in the rig node's
# environment (its own node name, ports, data, logs, plugins and Erlang cookie), rmq_start launches the node.
# shellcheck disable=SC2154  # node, ports: from .rig/rabbitmq.vars
. "$rig/rabbitmq.vars"
rmq_env() {
  env HOME="$rig/home" ERL_CRASH_DUMP="$rig/log/erl_crash.dump" \
    RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port" \
    RABBITMQ_DIST_PORT="$dist_port" ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_CONFIG_FILE="$rig/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$rig/advanced.config" \
    RABBITMQ_CONF_ENV_FILE="$rig/rabbitmq-env.conf" \
    RABBITMQ_MNESIA_BASE="$rig/mnesia" RABBITMQ_LOG_BASE="$rig/log" RABBITMQ_PID_FILE="$rig/rabbitmq.pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$rig/enabled_plugins" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$@"
}
rmq_start() {
  rmq_env setsid /usr/lib/rabbitmq/bin/rabbitmq-server >> "$rig/log/server.out" 2>&1 < /dev/null &
  echo $! > "$rig/rabbitmq.launcher.pid"
}
