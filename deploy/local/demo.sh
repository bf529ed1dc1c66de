#!/usr/bin/env bash
# `make demo`: the guide's whole journey through the public APIs against the running local
# stack (`make up`, standard ports), printing each step:
#   a fresh customer directory at "Microsoft" (the simulator's control API) → the vendor
#   provisions a tenant and the customer's IT admin walks the setup wizard
#   (services/consent/walkthrough.sh) → the first sync → the administrator signs in to the
#   console and reads the Users page → a leaver disabled at Microsoft is deactivated and
#   signed out → the Users page again → the audit log and its chain.
# Runs again and again on the same stack: every run makes a new directory and a new tenant.
# Needs curl and jq. Settings (environment): TP, CONSENT, SYNC, CONSOLE, SIM (the simulator's
# control API), SIM_CA, MAIL (the SMTP sink's read API), PA_KEY (an operator key; created with
# tenant-provisioning's CLI when unset). pa-e2e's demo test runs it against its own stack.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PA_ROOT"

TP=${TP:-http://127.0.0.1:8081}
CONSENT=${CONSENT:-http://127.0.0.1:8082}
SYNC=${SYNC:-http://127.0.0.1:8083}
CONSOLE=${CONSOLE:-http://127.0.0.1:8084}
SIM=${SIM:-http://127.0.0.1:8400/_sim}
SIM_CA=${SIM_CA:-$PA_RUN/entra-sim-ca.pem}
MAIL=${MAIL:-http://127.0.0.1:8025}
export TP CONSENT SIM_CA MAIL

command -v jq >/dev/null || die "make demo needs jq (apt-get install jq)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"
started=$SECONDS

for url in "$TP" "$CONSENT" "$SYNC" "$CONSOLE"; do
    curl -fsS -o /dev/null --max-time 10 "$url/readyz" || die "$url is not ready: start the stack with make up"
done
curl -fsS -o /dev/null --max-time 10 "$SIM/info" || die "the Entra simulator ($SIM) is not running: make up"

# json METHOD URL [BODY] [CURL ARGS...]: the body in $OUT, the status checked against $EXPECT (200).
json() {
    local method=$1 url=$2 body=${3:-}
    shift 3 || shift $#
    local args=(-sS -o "$OUT" -w '%{http_code}' -X "$method" "$url" "$@")
    if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' -d "$body"); fi
    local status
    status=$(curl "${args[@]}")
    if [ "$status" != "${EXPECT:-200}" ]; then
        cat "$OUT" >&2
        echo >&2
        die "$method $url: HTTP $status (expected ${EXPECT:-200})"
    fi
}
uri() { jq -rn --arg s "$1" '$s|@uri'; }

step "0. An operator API key (tenant-provisioning create-operator-key)"
if [ -z "${PA_KEY:-}" ]; then
    env_file="$PA_RUN/env/tenant-provisioning.env"
    [ -f "$env_file" ] || die "no $env_file: start the local stack with make up (or set PA_KEY)"
    mapfile -t tp_env <"$env_file"
    PA_KEY=$(env "${tp_env[@]}" "$PA_ROOT/target/debug/tenant-provisioning" create-operator-key --name "demo $(date +%FT%T)" 2>/dev/null)
    info "created (shown once; kept in this shell only)"
else
    info "PA_KEY from the environment"
fi
export PA_KEY

step "1. \"Microsoft\": a fresh customer directory in the simulator (its control API)"
slug=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
DOMAIN="ward$slug.onmicrosoft.com"
EXPECT=201 json POST "$SIM/tenants" "{\"display_name\":\"Northwind Ward $slug\",\"domains\":[\"$DOMAIN\"],\"size_class\":\"small\"}"
ENTRA=$(jq -r .id "$OUT")
ADMIN_GROUP="Patient Access Admins"
USER_GROUP="Nurses"
for group in "$ADMIN_GROUP" "$USER_GROUP"; do
    EXPECT=201 json POST "$SIM/tenants/$ENTRA/groups" "{\"display_name\":\"$group\",\"kind\":\"security\"}"
done
# key|display name|group (empty: in the directory, but in no group Patient Access uses)
PEOPLE=(
    "avery|Avery Admin|$ADMIN_GROUP"
    "blake|Blake Boyd|$ADMIN_GROUP"
    "casey|Casey Chen|$USER_GROUP"
    "drew|Drew Diaz|$USER_GROUP"
    "harper|Harper Hill|$USER_GROUP"
    "finley|Finley Ford|"
)
for person in "${PEOPLE[@]}"; do
    IFS='|' read -r key name group <<<"$person"
    upn="$key@$DOMAIN"
    EXPECT=201 json POST "$SIM/tenants/$ENTRA/users" \
        "{\"user_principal_name\":\"$upn\",\"display_name\":\"$name\",\"mail\":\"$upn\",\"account_enabled\":true}"
    if [ -n "$group" ]; then
        json POST "$SIM/tenants/$ENTRA/groups/$(uri "$group")/members" "{\"member\":\"$upn\"}"
    fi
    printf '    %-42s %-13s %s\n' "$upn" "$name" "${group:-(no group)}"
done
ADMIN_UPN="avery@$DOMAIN"
LEAVER_UPN="drew@$DOMAIN"
info "directory $ENTRA ($DOMAIN), not yet consented to Patient Access"

step "2–13. The vendor provisions a tenant; the customer's IT admin walks the setup wizard"
info "bash services/consent/walkthrough.sh (DIRECTORY=$DOMAIN ADMIN_UPN=$ADMIN_UPN USER_GROUP=$USER_GROUP)"
DIRECTORY=$DOMAIN ADMIN_UPN=$ADMIN_UPN ADMIN_GROUP=$ADMIN_GROUP USER_GROUP=$USER_GROUP \
    ENVIRONMENT=production bash "$PA_ROOT/services/consent/walkthrough.sh" 2>&1 | sed 's/^/  | /'
[ "${PIPESTATUS[0]}" -eq 0 ] || die "the wizard walkthrough failed"
# The administrator's welcome mail links to the console with our tenant id.
TENANT=$(curl -sS -G "$MAIL/messages" --data-urlencode "to=$ADMIN_UPN" |
    jq -r '.[0].text_body // ""' | grep -o 'tenant=[0-9a-f-]\{36\}' | head -n 1 | cut -d= -f2)
[ -n "$TENANT" ] || die "no welcome mail with the console link for $ADMIN_UPN"
info "tenant $TENANT (from the console link in the welcome mail to $ADMIN_UPN)"

step "14. The first sync (sync-dispatch)"
for _ in $(seq 1 300); do
    json GET "$SYNC/v1/tenants/$TENANT/sync/runs" "" -H "Authorization: Bearer $PA_KEY"
    run=$(jq -c '[.items[] | select(.trigger == "setup" and .status == "succeeded")][0] // empty' "$OUT")
    [ -n "$run" ] && break
    sleep 0.2
done
[ -n "$run" ] || die "the first sync did not complete"
info "curl $SYNC/v1/tenants/$TENANT/sync/runs -H 'Authorization: Bearer …'"
info "$(jq -r '"full sync: \(.users_created) users created from \(.progress.objects_read) objects on \(.progress.pages_read) Graph pages"' <<<"$run")"

# sign_in UPN JAR: the console's Entra ID sign-in (authorization code + PKCE) at the simulator.
sign_in() {
    local upn=$1 jar=$2 authorize callback status
    authorize=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
        "$CONSOLE/auth/login?tenant=$TENANT&login_hint=$(uri "$upn")")
    callback=$(curl -sS --cacert "$SIM_CA" -o /dev/null -w '%{redirect_url}' "$authorize")
    case "$callback" in */auth/callback\?*) ;; *) die "Microsoft did not redirect $upn back (got '$callback')" ;; esac
    status=$(curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' "$callback")
    [ "$status" = 303 ] || die "sign-in of $upn: HTTP $status"
    json GET "$CONSOLE/v1/session" "" -b "$jar"
}

step "15. The administrator signs in to the console (Entra ID sign-in at the simulator)"
ADMIN_JAR="$WORK/admin.jar"
sign_in "$ADMIN_UPN" "$ADMIN_JAR"
CSRF=$(jq -r .csrf_token "$OUT")
info "GET $CONSOLE/auth/login?tenant=…&login_hint=$ADMIN_UPN → Microsoft → /auth/callback → session"
info "$(jq -r '"signed in: \(.kind), role \(.role), idle timeout \(.idle_timeout_secs) s"' "$OUT")"

users_page() {
    json GET "$CONSOLE/v1/users?limit=200" "" -b "$ADMIN_JAR"
    printf '    %-42s %-13s %-8s %-9s %s\n' "USER" "NAME" "ROLE" "STATUS" "REASON"
    jq -r '.items[] | [.user_principal_name, .display_name, (.role // "-"), .status, (.status_reason // "")] | @tsv' "$OUT" |
        while IFS=$'\t' read -r upn name role status reason; do
            printf '    %-42s %-13s %-8s %-9s %s\n' "$upn" "$name" "$role" "$status" "$reason"
        done
}

step "16. The Users page (GET /v1/users): the synced users and their roles"
users_page

step "17. Incremental sync every 10 s (PATCH /v1/settings, as an Admin)"
json PATCH "$CONSOLE/v1/settings" '{"sync_interval_secs":10}' -b "$ADMIN_JAR" -H "X-CSRF-Token: $CSRF"
info "$(jq -r '"settings version \(.version): sync every \(.sync_interval_secs) s"' "$OUT")"

step "18. A leaver: $LEAVER_UPN (signed in to the console) is disabled at Microsoft"
LEAVER_JAR="$WORK/leaver.jar"
sign_in "$LEAVER_UPN" "$LEAVER_JAR"
info "$LEAVER_UPN signed in ($(jq -r .role "$OUT"))"
json POST "$SIM/tenants/$ENTRA/users/$(uri "$LEAVER_UPN")/disable" ""
info "curl -X POST $SIM/tenants/$ENTRA/users/$LEAVER_UPN/disable"
LEAVER_ID=$(jq -r .id "$OUT")
disabled=$SECONDS
deactivated="" signed_out=""
for _ in $(seq 1 600); do
    if [ -z "$signed_out" ] &&
        [ "$(curl -sS -o /dev/null -w '%{http_code}' -b "$LEAVER_JAR" "$CONSOLE/v1/session")" = 401 ]; then
        signed_out=$((SECONDS - disabled))
    fi
    if [ -z "$deactivated" ]; then
        json GET "$CONSOLE/v1/users/$LEAVER_ID" "" -b "$ADMIN_JAR"
        if [ "$(jq -r .status "$OUT")" = inactive ]; then deactivated=$((SECONDS - disabled)); fi
    fi
    [ -n "$deactivated" ] && [ -n "$signed_out" ] && break
    sleep 0.2
done
if [ -z "$deactivated" ] || [ -z "$signed_out" ]; then
    die "the leaver was not deactivated and signed out within 2 minutes"
fi
info "deactivated in Patient Access after ~${deactivated} s; their console session ended after ~${signed_out} s"

step "19. The Users page now: the leaver is removed"
users_page

step "20. The audit log (GET /v1/audit-events) and its hash chain"
actions="$WORK/actions"
: >"$actions"
cursor=""
while :; do
    json GET "$CONSOLE/v1/audit-events?limit=500${cursor:+&cursor=$cursor}" "" -b "$ADMIN_JAR"
    jq -r '.items[].action' "$OUT" >>"$actions"
    cursor=$(jq -r '.next_cursor // empty' "$OUT")
    [ -n "$cursor" ] || break
done
info "$(wc -l <"$actions") records: $(sort "$actions" | uniq -c | awk '{ printf "%s%s×%s", sep, $2, $1; sep=", " }')"
for _ in $(seq 1 100); do
    json GET "$CONSOLE/v1/audit-events/verification" "" -b "$ADMIN_JAR"
    [ "$(jq -r '.unsealed // 0' "$OUT")" = 0 ] && break
    sleep 0.2
done
[ "$(jq -r .intact "$OUT")" = true ] || die "the audit chain does not verify: $(cat "$OUT")"
info "$(jq -r '"chain intact: \(.verified) records verified"' "$OUT")"

printf '\n%sDone in %s s.%s Tenant %s, directory %s. Run make demo again for a new one.\n' \
    "$_pa_bold" "$((SECONDS - started))" "$_pa_reset" "$TENANT" "$DOMAIN"
