#!/usr/bin/env bash
# Render the broker's definitions: the committed topology and permissions
# (definitions.json, whose "users" list is empty) plus one user per service, whose
# passwords come from the environment and are stored only as salted SHA-256 hashes.
#
#   render-definitions.sh TEMPLATE OUTPUT
#
# Needs RABBITMQ_ADMIN_PASSWORD, RABBITMQ_RELAY_PASSWORD, RABBITMQ_PROJECTOR_PASSWORD and
# RABBITMQ_GATEWAY_PASSWORD: at least 16 characters from [A-Za-z0-9._~-], so that they
# go into AMQP_URL as they are (no percent-encoding) and into JSON with no escaping.
# Bash and coreutils only: it runs inside the official rabbitmq image, before the broker.
set -euo pipefail

template=${1:?usage: render-definitions.sh TEMPLATE OUTPUT}
output=${2:?usage: render-definitions.sh TEMPLATE OUTPUT}

# user name, password variable, tags (the admin signs in to the management UI)
USERS=(
  "admin RABBITMQ_ADMIN_PASSWORD administrator"
  "relay RABBITMQ_RELAY_PASSWORD -"
  "projector RABBITMQ_PROJECTOR_PASSWORD -"
  "gateway RABBITMQ_GATEWAY_PASSWORD -"
)

die() { echo "render-definitions: $*" >&2; exit 1; }

hex_to_bytes() {  # write the bytes spelled by a hex string to stdout
  local hex=$1 escaped="" i
  for ((i = 0; i < ${#hex}; i += 2)); do escaped+="\\x${hex:i:2}"; done
  printf '%b' "$escaped"
}

# RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)),
# with a 4-byte random salt.
password_hash() {
  local password=$1 salt digest
  salt=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  digest=$({ hex_to_bytes "$salt"; printf '%s' "$password"; } | sha256sum | cut -c1-64)
  hex_to_bytes "$salt$digest" | base64 -w0
}

users_json=""
for entry in "${USERS[@]}"; do
  read -r name variable tags <<<"$entry"
  password=${!variable:-}
  [[ -n $password ]] || die "$variable is not set"
  [[ $password =~ ^[A-Za-z0-9._~-]{16,}$ ]] \
    || die "$variable must be at least 16 characters from A-Z a-z 0-9 . _ ~ -"
  [[ $tags == - ]] && tags=""
  users_json+="${users_json:+,}"$'\n    '
  users_json+="{\"name\": \"$name\", \"password_hash\": \"$(password_hash "$password")\", "
  users_json+="\"hashing_algorithm\": \"rabbit_password_hashing_sha256\", \"tags\": \"$tags\", "
  users_json+="\"limits\": {}}"
done

placeholder='  "users": [],'
[[ $(grep -cxF -- "$placeholder" "$template") == 1 ]] \
  || die "$template must contain the line '$placeholder' exactly once"

tmp=$(mktemp "${output}.XXXXXX")
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line == "$placeholder" ]]; then
    printf '  "users": [%s\n  ],\n' "$users_json"
  else
    printf '%s\n' "$line"
  fi
done <"$template" >"$tmp"
chmod 0600 "$tmp"
mv "$tmp" "$output"
