#!/usr/bin/env bash
# Entry point of the compose broker: render the definitions (topology, permissions and one
# user per service, passwords from the environment) where rabbitmq.conf loads them, then
# hand over to the official image's entry point, which starts the broker as `rabbitmq`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=/run/todo-rabbitmq
mkdir -p "$out"
bash "$here/render-definitions.sh" "$here/definitions.json" "$out/definitions.json"
chown -R rabbitmq:rabbitmq "$out"
# The broker needs only the hashes it was just given, not the passwords themselves.
unset RABBITMQ_ADMIN_PASSWORD RABBITMQ_RELAY_PASSWORD RABBITMQ_PROJECTOR_PASSWORD \
  RABBITMQ_GATEWAY_PASSWORD
exec docker-entrypoint.sh "$@"
