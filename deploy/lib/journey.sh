# shellcheck shell=bash
# The guide's journey through the four services' public APIs, as functions for the scripts that
# run a stack of their own (deploy/container/images-check.sh, deploy/dr/drill.sh). Sourced after
# deploy/local/lib.sh. Needs curl and jq. The caller sets where everything listens:
#   J_TP J_CONSENT J_SYNC J_CONSOLE   service base URLs (http://127.0.0.1:PORT)
#   J_MAIL                            smtp-sink read API
#   J_SIM J_SIM_CA                    entra-sim plain-HTTP base (control API) and its CA file
#   J_KEY                             an operator API key
# and reads J_TENANT (our tenant id), J_JAR (console session cookies) after the steps below.
# Every function prints what it did on one or two lines and fails (die) when the journey breaks.

J_DIRECTORY=${J_DIRECTORY:-contosohealth.onmicrosoft.com}
J_ADMIN_UPN=${J_ADMIN_UPN:-avery.admin@contosohealth.onmicrosoft.com}
J_TIMEOUT=${J_TIMEOUT:-120}

# journey_timed NAME COMMAND...: runs COMMAND and records "NAME<TAB>seconds" in $J_TIMINGS.
journey_timed() {
    local name=$1 start end
    shift
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    awk -v n="$name" -v a="$start" -v b="$end" 'BEGIN { printf "%s\t%.1f\n", n, b - a }' >>"${J_TIMINGS:-/dev/null}"
}

# journey_wizard LOG: provisions a tenant and walks the setup wizard to the end with
# services/consent/walkthrough.sh (setup mail from the sink, directory, admin consent at the
# simulator, pre-flight, first administrator, admin group + user group, finish) until
# tenant-provisioning reports the tenant active and the welcome mail is in the sink. Sets J_TENANT.
journey_wizard() {
    local log=$1
    if ! TP=$J_TP CONSENT=$J_CONSENT MAIL=$J_MAIL SIM_CA=$J_SIM_CA PA_KEY=$J_KEY \
        DIRECTORY=$J_DIRECTORY ADMIN_UPN=$J_ADMIN_UPN \
        bash "$PA_ROOT/services/consent/walkthrough.sh" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "the wizard walkthrough failed (full output: $log)"
    fi
    J_TENANT=$(grep -o 'tenant [0-9a-f-]\{36\}' "$log" | head -n 1 | cut -d' ' -f2)
    [ -n "$J_TENANT" ] || die "no tenant id in $log"
    info "tenant $J_TENANT provisioned, setup mail read, wizard finished, tenant active, welcome mail sent"
}

# journey_first_sync: waits until sync-dispatch reports a successful full sync of J_TENANT and
# prints the run's figures.
journey_first_sync() {
    local deadline=$((SECONDS + J_TIMEOUT)) status=""
    while [ "$SECONDS" -lt "$deadline" ]; do
        status=$(curl -sS "$J_SYNC/v1/tenants/$J_TENANT/sync" -H "Authorization: Bearer $J_KEY" || true)
        if [ "$(jq -r '.last_full_success_at // empty' <<<"$status" 2>/dev/null)" != "" ]; then break; fi
        sleep 0.5
    done
    [ -n "$(jq -r '.last_full_success_at // empty' <<<"$status" 2>/dev/null)" ] ||
        die "no successful full sync of $J_TENANT within ${J_TIMEOUT}s (last status: $status)"
    local run
    run=$(curl -sS "$J_SYNC/v1/tenants/$J_TENANT/sync/runs?limit=10" -H "Authorization: Bearer $J_KEY" |
        jq -c '[.items[] | select(.kind == "full" and .status == "succeeded")] | last')
    info "first full sync succeeded: $(jq -r '"\(.users_created) users created, \(.progress.objects_read) objects read"' <<<"$run")"
}

# journey_signin: the first administrator signs in to the console (Entra sign-in at the
# simulator: code + PKCE); J_JAR holds the session cookie.
journey_signin() {
    J_JAR=$(mktemp)
    local location callback landing
    location=$(curl -sS -c "$J_JAR" -o /dev/null -w '%{redirect_url}' \
        "$J_CONSOLE/auth/login?tenant=$J_TENANT&login_hint=$(jq -rn --arg u "$J_ADMIN_UPN" '$u|@uri')")
    [ -n "$location" ] || die "GET /auth/login did not redirect to Microsoft"
    callback=$(curl -sS --cacert "$J_SIM_CA" -o /dev/null -w '%{redirect_url}' "$location")
    case "$callback" in
    */auth/callback\?*) ;;
    *) die "Microsoft (the simulator) did not redirect back to the console (got '$callback')" ;;
    esac
    landing=$(curl -sS -b "$J_JAR" -c "$J_JAR" -o /dev/null -w '%{http_code} %{redirect_url}' "$callback")
    case "$landing" in
    303\ *) ;;
    *) die "the console refused the sign-in ($landing)" ;;
    esac
    grep -q "pa_console\b" "$J_JAR" || die "no console session cookie after the sign-in"
    info "$J_ADMIN_UPN signed in to the console"
}

# journey_users: the console's Users page data (first 200) as JSON on stdout.
journey_users() {
    curl -sS -f -b "$J_JAR" "$J_CONSOLE/v1/users?limit=200"
}

# journey_users_visible: the synced users are visible with their roles; the administrator is Admin.
journey_users_visible() {
    local users count admin
    users=$(journey_users) || die "GET /v1/users failed"
    count=$(jq '.items | length' <<<"$users")
    admin=$(jq -r --arg u "$J_ADMIN_UPN" '.items[] | select(.user_principal_name == $u) | .role' <<<"$users")
    [ "$count" -gt 1 ] || die "the console shows $count users"
    [ "$admin" = admin ] || die "$J_ADMIN_UPN has role '$admin' in the console, not admin"
    info "the console shows $count users ($(jq -r '[.items[].role // "none"] | group_by(.) | map("\(length) \(.[0])") | join(", ")' <<<"$users")); $J_ADMIN_UPN is admin"
}

# journey_leaver: a viewer is disabled in the simulator; an incremental sync (operators' "sync
# now") deactivates them, and the console shows them inactive. Sets J_LEAVER.
journey_leaver() {
    J_LEAVER=$(journey_users | jq -r '[.items[] | select(.role == "viewer" and .status == "active")][0].user_principal_name // empty')
    [ -n "$J_LEAVER" ] || die "no active viewer to disable"
    curl -sS -f -X POST "$J_SIM/_sim/tenants/$J_DIRECTORY/users/$(jq -rn --arg u "$J_LEAVER" '$u|@uri')/disable" >/dev/null ||
        die "the simulator did not disable $J_LEAVER"
    curl -sS -f -X POST "$J_SYNC/v1/tenants/$J_TENANT/sync" -H "Authorization: Bearer $J_KEY" \
        -H 'Content-Type: application/json' -d '{"kind":"incremental"}' >/dev/null || die "sync now failed"
    local deadline=$((SECONDS + J_TIMEOUT)) status=""
    while [ "$SECONDS" -lt "$deadline" ]; do
        status=$(journey_users | jq -r --arg u "$J_LEAVER" '.items[] | select(.user_principal_name == $u) | .status')
        [ "$status" = inactive ] && break
        sleep 0.5
    done
    [ "$status" = inactive ] || die "$J_LEAVER is still '$status' after ${J_TIMEOUT}s"
    info "leaver $J_LEAVER disabled in Entra ID: inactive in the console after an incremental sync"
}
