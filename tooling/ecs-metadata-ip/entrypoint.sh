#!/bin/sh
# ecs-metadata-ip: answers on the ECS credential address, 169.254.170.2:80, inside the network
# namespace this container shares with credproxy (network_mode: service:credproxy), and
# forwards each connection to credproxy on 127.0.0.1:1338. For applications whose SDK only
# speaks AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which always targets 169.254.170.2.
#
#   ECS_METADATA_IP    default 169.254.170.2
#   ECS_METADATA_PORT  default 80
#   CREDPROXY_PORT     default 1338 (credproxy's server.port; never listened on here)
#   FORWARDER_USER     default nobody: the user each connection is relayed as
#
# Needs CAP_NET_ADMIN, for `ip addr` only. See README.md for why, and the risk.
set -eu

ecs_ip="${ECS_METADATA_IP:-169.254.170.2}"
listen_port="${ECS_METADATA_PORT:-80}"
credproxy_port="${CREDPROXY_PORT:-1338}"
run_as="${FORWARDER_USER:-nobody}"

if [ "$listen_port" = "$credproxy_port" ]; then
  echo "ecs-metadata-ip: ECS_METADATA_PORT must differ from credproxy's port $credproxy_port" >&2
  exit 2
fi

# `replace` is idempotent: the address belongs to the shared namespace and outlives a restart
# of this container.
if ! ip addr replace "$ecs_ip/32" dev lo; then
  echo "ecs-metadata-ip: cannot add $ecs_ip to lo: run with cap_add NET_ADMIN, in credproxy's network namespace" >&2
  exit 1
fi

echo "ecs-metadata-ip: http://$ecs_ip:$listen_port -> http://127.0.0.1:$credproxy_port"
# The listener accepts; each connection is relayed by a child (fork) that has switched to
# $run_as. Bytes pass unchanged: the app's Authorization header reaches credproxy as sent.
exec socat -d \
  "TCP4-LISTEN:$listen_port,bind=$ecs_ip,fork,reuseaddr,su=$run_as" \
  "TCP4:127.0.0.1:$credproxy_port"
