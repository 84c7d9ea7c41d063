#!/bin/sh
# Creates cluster "web", enrols routers lvs1 and lvs2, and makes each router's agent credential into the shared
# credentials volume, so that the compose file's agents are accepted. Idempotent: a cluster or router that exists
# already answers 409, which is fine here, and a credential already in the volume is kept.
set -eu
CP=http://control-plane:8080
AUTH="Authorization: Bearer ${LVSCP_ADMIN_TOKEN:?the admin token the control plane was started with}"
post() {
  code=$(curl -s -o /tmp/answer -w '%{http_code}' -XPOST "$CP$1" -H 'Content-Type: application/json' -H "$AUTH" -d "$2")
  case "$code" in 200|201|409) echo "POST $1: $code" ;; *) echo "POST $1 failed: $code $(cat /tmp/answer)" >&2; exit 1 ;; esac
}
post /v1/clusters '{"name": "web", "routingMethod": "direct"}'
post /v1/clusters/web/routers '{"name": "lvs1", "publicAddress": "192.168.26.9", "privateAddress": "10.11.12.9", "rolePreference": "primary"}'
post /v1/clusters/web/routers '{"name": "lvs2", "publicAddress": "192.168.26.8", "privateAddress": "10.11.12.8", "rolePreference": "backup"}'
umask 077
for router in lvs1 lvs2; do
  file=/credentials/$router.token
  [ -s "$file" ] && continue
  # Token names are never reused, so a fresh volume on an old database gets a new name.
  post /v1/tokens "{\"name\": \"agent-web-$router-$(date +%s)\", \"role\": \"agent\", \"clusters\": [\"web\"], \"router\": \"$router\"}"
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p' /tmp/answer > "$file"
  [ -s "$file" ] || { echo "no credential in the answer for $router" >&2; exit 1; }
done
