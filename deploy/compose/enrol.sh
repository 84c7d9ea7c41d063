#!/bin/sh
# Creates cluster "web" and enrols routers lvs1 and lvs2, so that the compose file's agents are accepted.
# Idempotent: a cluster or router that exists already answers 409, which is fine here.
set -eu
CP=http://control-plane:8080
post() {
  code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$CP$1" -H 'Content-Type: application/json' -H 'Lvscp-Actor: compose-enrol' -d "$2")
  case "$code" in 200|201|409) echo "POST $1: $code" ;; *) echo "POST $1 failed: $code" >&2; exit 1 ;; esac
}
post /v1/clusters '{"name": "web", "routingMethod": "direct"}'
post /v1/clusters/web/routers '{"name": "lvs1", "publicAddress": "192.168.26.9", "privateAddress": "10.11.12.9", "rolePreference": "primary"}'
post /v1/clusters/web/routers '{"name": "lvs2", "publicAddress": "192.168.26.8", "privateAddress": "10.11.12.8", "rolePreference": "backup"}'
