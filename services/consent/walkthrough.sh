#!/usr/bin/env bash
# The setup wizard walked with curl against the local stack (`make up`): an operator creates a
# tenant, the setup link is read from the SMTP sink, and the wizard API is driven the way the
# browser front-end will drive it — start, directory, consent at the simulator's demo
# directory, callback, pre-flight, initial administrator, groups, finish — until
# tenant-provisioning reports the tenant `active` and the administrator has the console link.
#
#   bash services/consent/walkthrough.sh
#
# Every request is printed before it runs. Needs curl and jq. Settings (environment):
#   PA_KEY        an operator API key (created with target/debug/tenant-provisioning when unset)
#   ENVIRONMENT   of the tenant created (default non_production: a directory can be connected to
#                 ONE live production tenant, and this script connects the demo directory; a
#                 non-production tenant lets it run again)
#   DIRECTORY, ADMIN_UPN, ADMIN_GROUP, USER_GROUP   the demo directory's (defaults below)
#   TP, CONSENT, SIM, SIM_CA, MAIL                  where the local stack listens
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TP=${TP:-http://127.0.0.1:8081}
CONSENT=${CONSENT:-http://127.0.0.1:8082}
SIM_CA=${SIM_CA:-$ROOT/.run/entra-sim-ca.pem}
MAIL=${MAIL:-http://127.0.0.1:8025}
ENVIRONMENT=${ENVIRONMENT:-non_production}
DIRECTORY=${DIRECTORY:-contosohealth.onmicrosoft.com}
ADMIN_UPN=${ADMIN_UPN:-avery.admin@contosohealth.onmicrosoft.com}
ADMIN_GROUP=${ADMIN_GROUP:-Patient Access Admins}
USER_GROUP=${USER_GROUP:-Nurses}

command -v jq >/dev/null || { echo "walkthrough.sh needs jq (apt-get install jq)" >&2; exit 1; }
JAR=$(mktemp)
OUT=$(mktemp)
trap 'rm -f "$JAR" "$OUT"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\033[31mFAILED:\033[0m %s\n' "$*" >&2; exit 1; }

# call EXPECTED_STATUS CURL_ARGS...: prints the request, runs it (body in $OUT), checks the status.
call() {
    local expected=$1
    shift
    printf '   curl %s\n' "$*" | sed -E 's/(Bearer |X-CSRF-Token: |"token":")[A-Za-z0-9_-]{12,}/\1…/g'
    local status
    status=$(curl -sS -o "$OUT" -w '%{http_code}' "$@")
    if [ "$status" != "$expected" ]; then
        cat "$OUT" >&2
        echo >&2
        fail "expected HTTP $expected, got $status"
    fi
}

# wizard METHOD PATH [JSON]: a wizard request with the session cookie and the CSRF token.
wizard() {
    local method=$1 path=$2 body=${3:-}
    local args=(-b "$JAR" -c "$JAR" -X "$method" "$CONSENT$path" -H "X-CSRF-Token: $CSRF")
    if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' -d "$body"); fi
    call "${EXPECT:-200}" "${args[@]}"
}

step "0. An operator API key"
if [ -z "${PA_KEY:-}" ]; then
    env_file="$ROOT/.run/env/tenant-provisioning.env"
    [ -f "$env_file" ] || fail "no $env_file: start the local stack with make up (or set PA_KEY)"
    mapfile -t tp_env <"$env_file"
    PA_KEY=$(env "${tp_env[@]}" "$ROOT/target/debug/tenant-provisioning" create-operator-key --name walkthrough)
    echo "   created (target/debug/tenant-provisioning create-operator-key --name walkthrough)"
fi

step "1. Provision a tenant; tenant-provisioning mails the setup link"
CONTACT="walkthrough-$(date +%s)-$$@contoso-health.example"
call 201 -X POST "$TP/v1/tenants" -H "Authorization: Bearer $PA_KEY" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" \
    -d "{\"display_name\":\"Contoso Health (walkthrough)\",\"contact_email\":\"$CONTACT\",\"environment\":\"$ENVIRONMENT\"}"
TENANT=$(jq -r .id "$OUT")
echo "   tenant $TENANT ($ENVIRONMENT)"

step "2. The setup link from the SMTP sink"
TOKEN=""
for _ in $(seq 1 100); do
    TOKEN=$(curl -sS -G "$MAIL/messages" --data-urlencode "to=$CONTACT" |
        jq -r '.[0].text_body // ""' | grep -o 'pa_setup_[A-Za-z0-9_-]\{43\}' | head -n 1 || true)
    [ -n "$TOKEN" ] && break
    sleep 0.2
done
[ -n "$TOKEN" ] || fail "no setup e-mail to $CONTACT in the sink ($MAIL/messages)"
echo "   curl -sS -G $MAIL/messages --data-urlencode to=$CONTACT   → …/setup#token=pa_setup_…"

step "3. Start the wizard with the token (the front-end posts the URL fragment)"
CSRF=""
call 201 -c "$JAR" -X POST "$CONSENT/v1/wizard/sessions" -H 'Content-Type: application/json' \
    -d "{\"token\":\"$TOKEN\"}"
CSRF=$(jq -r .session.csrf_token "$OUT")
echo "   next step: $(jq -r .next_step "$OUT"); egress IPs: $(jq -c .prerequisites.egress_ips "$OUT")"

step "4. Directory: the Entra tenant ID or a verified domain"
wizard PUT /v1/wizard/directory "{\"tenant\":\"$DIRECTORY\"}"
echo "   resolved to $(jq -r .directory.entra_tenant_id "$OUT")"

step "5. Continue to Microsoft Authentication: the admin-consent URL"
EXPECT=201 wizard POST /v1/wizard/consent-requests
CONSENT_URL=$(jq -r .consent_url "$OUT")
echo "   $CONSENT_URL"

step "6. At Microsoft (the simulator): $ADMIN_UPN signs in and accepts"
printf '   curl --cacert %s -G "<consent_url>" --data-urlencode login_hint=%s\n' "$SIM_CA" "$ADMIN_UPN"
CALLBACK=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{redirect_url}' -G "$CONSENT_URL" \
    --data-urlencode "login_hint=$ADMIN_UPN")
case "$CALLBACK" in
*/consent/callback\?*) echo "   → 302 $CALLBACK" ;;
*) fail "Microsoft did not redirect back (got '$CALLBACK')" ;;
esac

step "7. The callback (the browser arrives from Microsoft with the session cookie)"
printf '   curl -b cookies "%s"\n' "$CALLBACK"
FRONTEND=$(curl -sS -b "$JAR" -c "$JAR" -o "$OUT" -w '%{redirect_url}' "$CALLBACK")
case "$FRONTEND" in
*consent=granted*) echo "   → 303 $FRONTEND" ;;
*) cat "$OUT" >&2; fail "consent not granted (→ '$FRONTEND'); see GET $CONSENT/v1/wizard/state" ;;
esac

step "8. Pre-flight: the grant exercised (organization, users, groups)"
EXPECT=200 wizard POST /v1/wizard/preflight
jq -r '.preflight.checks[] | "   \(.name): \(if .passed then "passed" else "FAILED " + (.failure.microsoft_code // "") + " " + .failure.remediation end)"' "$OUT"
[ "$(jq -r .preflight.status "$OUT")" = passed ] || fail "pre-flight failed"

step "9. The initial administrator"
wizard PUT /v1/wizard/admin "{\"user_principal_name\":\"$ADMIN_UPN\"}"
echo "   $(jq -r '.admin.display_name + " <" + (.admin.mail // "no mail") + ">"' "$OUT")"

step "10. Groups: type-ahead, then the admin group and a user group"
wizard GET "/v1/wizard/groups?search=$(jq -rn --arg s "$ADMIN_GROUP" '$s|@uri')"
ADMIN_GROUP_ID=$(jq -r --arg n "$ADMIN_GROUP" '.items[] | select(.display_name == $n) | .group_id' "$OUT")
[ -n "$ADMIN_GROUP_ID" ] || fail "no group named '$ADMIN_GROUP'"
wizard GET "/v1/wizard/groups?search=$(jq -rn --arg s "$USER_GROUP" '$s|@uri')"
USER_GROUP_ID=$(jq -r --arg n "$USER_GROUP" '.items[] | select(.display_name == $n) | .group_id' "$OUT")
wizard PUT /v1/wizard/groups \
    "{\"admin_groups\":[\"$ADMIN_GROUP_ID\"],\"user_groups\":[{\"group_id\":\"$USER_GROUP_ID\",\"role\":\"viewer\"}]}"
jq -r '.groups.admin_groups[], .groups.user_groups[] | "   \(.display_name): \(.role), \(.member_count) members, administrator member: \(.admin_is_member)"' "$OUT"

step "11. Finish"
wizard POST /v1/wizard/finish
echo "   status: $(jq -r .status "$OUT"); console: $(jq -r .completion.console_url "$OUT")"

step "12. tenant-provisioning applied setup.completed"
STATUS=""
for _ in $(seq 1 100); do
    STATUS=$(curl -sS "$TP/v1/tenants/$TENANT" -H "Authorization: Bearer $PA_KEY" | jq -r .status)
    [ "$STATUS" = active ] && break
    sleep 0.2
done
printf '   curl %s/v1/tenants/%s -H "Authorization: Bearer …"   → status %s\n' "$TP" "$TENANT" "$STATUS"
[ "$STATUS" = active ] || fail "the tenant is not active"

step "13. The console link mailed to the administrator"
for _ in $(seq 1 100); do
    LINK=$(curl -sS -G "$MAIL/messages" --data-urlencode "to=$ADMIN_UPN" |
        jq -r --arg t "$TENANT" '[.[] | .text_body // "" | select(contains($t))] | length')
    [ "$LINK" != 0 ] && break
    sleep 0.2
done
[ "$LINK" != 0 ] || fail "no welcome mail to $ADMIN_UPN"
echo "   curl -sS -G $MAIL/messages --data-urlencode to=$ADMIN_UPN   → …/?tenant=$TENANT"

step "Done: the setup link no longer works"
call 410 -X POST "$CONSENT/v1/wizard/sessions" -H 'Content-Type: application/json' -d "{\"token\":\"$TOKEN\"}"
echo "   $(jq -r .code "$OUT")"
