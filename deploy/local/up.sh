#!/usr/bin/env bash
# `make up`: the whole local stack on this machine.
#   1. PostgreSQL + RabbitMQ installed (apt-get, only when missing), running, bootstrapped
#   2. the binaries it runs built (debug) and the database migrated (pa-migrate, as pa_owner)
#   3. in the background, logs and pid files under .run/: smtp-sink, entra-sim (seeded demo
#      directory) and every service in the SERVICES table whose crate exists under services/
#   4. waits until each answers, then prints what to do next
# Idempotent: a second run stops what the first started (deploy/local/down.sh) and starts afresh.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PA_ROOT"

# The setup-link token key (HMAC key; services/tenant-provisioning/src/domain/setup_token.rs),
# generated once and kept: replacing it invalidates the setup links already mailed.
SETUP_LINK_KEY_FILE="$PA_RUN/setup-link-token-key"
mkdir -p "$PA_RUN"
if [ ! -s "$SETUP_LINK_KEY_FILE" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$SETUP_LINK_KEY_FILE")
fi
SETUP_LINK_KEY=$(cat "$SETUP_LINK_KEY_FILE")
# admin-console seals emergency-access TOTP secrets with this AES-256-GCM key: kept like the one above.
TOTP_KEY_FILE="$PA_RUN/emergency-totp-key"
if [ ! -s "$TOTP_KEY_FILE" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$TOTP_KEY_FILE")
fi
TOTP_KEY=$(cat "$TOTP_KEY_FILE")

# The simulator is the local stack's Microsoft: its base URLs, CA and (fake) app registration
# (tests/entra-sim/src/config.rs). Pointing these at Microsoft is all it takes to use real Entra ID.
ENTRA_SIM="ENTRA__LOGIN_BASE_URL=https://127.0.0.1:8443 ENTRA__GRAPH_BASE_URL=https://127.0.0.1:8443/graph ENTRA__EXTRA_CA_PEM=$PA_RUN/entra-sim-ca.pem ENTRA__CLIENT_ID=4f0e8d2c-5b7a-4c1e-9a63-2d8f1b7e6c50 ENTRA__CREDENTIAL__SECRET=sim~Qx8Q~local.development.only.not.a.real.secret"
# The web front-end (services/web), built below and served by consent (the wizard) and
# admin-console (the console) on their own origins.
WEB_DIST="$PA_ROOT/services/web/dist"
WEB="WEB__DIR=$WEB_DIST"

# ---------------------------------------------------------------------------------------------
# The services. One line each: crate/binary | HTTP port | env prefix | arguments | extra settings.
# Every service gets {prefix}HTTP__BIND, HTTP__PUBLIC_BASE_URL, AMQP__URL and
# TELEMETRY__LOG_FORMAT; "extra settings" are space-separated KEY=VALUE pairs that get the prefix
# too (no spaces inside values). A line whose services/<crate> does not exist yet is skipped.
# Secret values are written only to .run/env/<service>.env (mode 0600), never to the logs.
# DATABASE__URL: each service connects as its own PostgreSQL role (least privilege, migration
# 0053; local-development passwords from deploy/postgres/bootstrap-roles.sql).
SERVICES=(
    "tenant-provisioning|8081|PA_TP_|serve|DATABASE__URL=postgres://pa_tp:pa_tp@127.0.0.1:5432/patient_access?sslmode=disable SMTP__HOST=127.0.0.1 SMTP__PORT=2525 SETUP_LINKS__WIZARD_BASE_URL=http://127.0.0.1:8082 SETUP_LINKS__TOKEN_KEY=$SETUP_LINK_KEY"
    "consent|8082|PA_CONSENT_|serve|DATABASE__URL=postgres://pa_consent:pa_consent@127.0.0.1:5432/patient_access?sslmode=disable $ENTRA_SIM WIZARD__COOKIE_SECURE=false SMTP__HOST=127.0.0.1 SMTP__PORT=2525 CONSOLE__BASE_URL=http://127.0.0.1:8084 $WEB"
    "sync-dispatch|8083|PA_SYNC_|serve|DATABASE__URL=postgres://pa_sync:pa_sync@127.0.0.1:5432/patient_access?sslmode=disable $ENTRA_SIM"
    "admin-console|8084|PA_CONSOLE_|serve|DATABASE__URL=postgres://pa_console:pa_console@127.0.0.1:5432/patient_access?sslmode=disable $ENTRA_SIM CONSOLE__COOKIE_SECURE=false EMERGENCY__TOTP_KEY=$TOTP_KEY $WEB"
)
# ---------------------------------------------------------------------------------------------

DB_OWNER_URL="postgres://pa_owner:pa_owner@127.0.0.1:5432/patient_access?sslmode=disable"
AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
SMTP_PORT=2525
MAIL_HTTP_PORT=8025
SIM_HTTP_PORT=8400
SIM_HTTPS_PORT=8443
BIN="$PA_ROOT/target/debug"
READY_TIMEOUT=${PA_UP_READY_TIMEOUT:-90}

# launch NAME COMMAND...: starts COMMAND detached (own session, no terminal, stdin closed),
# output to .run/logs/NAME.log (the previous log is kept as NAME.log.1), pid in .run/pids/NAME.pid.
launch() {
    local name=$1
    shift
    local log="$PA_RUN/logs/$name.log"
    if [ -f "$log" ]; then mv -f "$log" "$log.1"; fi
    setsid nohup "$@" </dev/null >"$log" 2>&1 &
    echo "$!" >"$PA_RUN/pids/$name.pid"
}

# wait_ready NAME URL: until URL answers 2xx; fails early (with the log) when NAME exits.
wait_ready() {
    local name=$1 url=$2 pid
    pid=$(cat "$PA_RUN/pids/$name.pid")
    local deadline=$((SECONDS + READY_TIMEOUT))
    until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            printf '\n--- last lines of .run/logs/%s.log ---\n' "$name" >&2
            tail -n 40 "$PA_RUN/logs/$name.log" >&2 || true
            die "$name exited during start-up (full log: .run/logs/$name.log)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 40 "$PA_RUN/logs/$name.log" >&2 || true
            die "$name not ready at $url after ${READY_TIMEOUT}s (log: .run/logs/$name.log)"
        fi
        sleep 0.5
    done
    info "$name: ready ($url, pid $pid, log .run/logs/$name.log)"
}

require_free_port() {
    local name=$1 port=$2
    if port_open 127.0.0.1 "$port"; then
        die "port $port (for $name) is in use by a process that \`make up\` did not start; stop it first"
    fi
}

# --- 1. infrastructure -----------------------------------------------------------------------
bash "$PA_ROOT/deploy/local/ensure-infra.sh"

# --- 2. stop a previous run, build, migrate --------------------------------------------------
bash "$PA_ROOT/deploy/local/down.sh" --quiet
mkdir -p "$PA_RUN/logs" "$PA_RUN/pids" "$PA_RUN/env" "$PA_RUN/mail"
chmod 700 "$PA_RUN/env"

command -v cargo >/dev/null 2>&1 ||
    die "cargo not found: install Rust with rustup (https://rustup.rs); rust-toolchain.toml pins the version"
# Only the packages whose binaries the stack runs (make test and CI build everything).
packages=(-p pa-db -p smtp-sink -p entra-sim)
for row in "${SERVICES[@]}"; do
    name=${row%%|*}
    if [ -d "$PA_ROOT/services/$name" ]; then packages+=(-p "$name"); fi
done
step "building the binaries (cargo build --bins ${packages[*]})"
cargo build --bins "${packages[@]}"

step "building the web front-end (services/web: npm ci, vite build)"
command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer (Debian: apt-get install nodejs npm)"
(cd "$PA_ROOT/services/web" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null) ||
    die "building services/web failed"

step "migrating patient_access (pa-migrate as pa_owner)"
PA_MIGRATE_DATABASE_URL="$DB_OWNER_URL" "$BIN/pa-migrate"

# --- 3. start everything ---------------------------------------------------------------------
step "starting the local stack"

require_free_port smtp-sink "$SMTP_PORT"
require_free_port smtp-sink "$MAIL_HTTP_PORT"
launch smtp-sink "$BIN/smtp-sink" --smtp "127.0.0.1:$SMTP_PORT" --http "127.0.0.1:$MAIL_HTTP_PORT" --dir "$PA_RUN/mail"

require_free_port entra-sim "$SIM_HTTP_PORT"
require_free_port entra-sim "$SIM_HTTPS_PORT"
# --ca-key keeps the simulator's CA across restarts, so clients that trust .run/entra-sim-ca.pem
# keep working after the next `make up`.
launch entra-sim "$BIN/entra-sim" --bind "127.0.0.1:$SIM_HTTP_PORT" --https-bind "127.0.0.1:$SIM_HTTPS_PORT" \
    --ca-out "$PA_RUN/entra-sim-ca.pem" --ca-key "$PA_RUN/entra-sim-ca-key.pem" --seed-demo

# The services read the simulator's CA file at start: wait until it is written.
wait_ready smtp-sink "http://127.0.0.1:$MAIL_HTTP_PORT/healthz"
wait_ready entra-sim "http://127.0.0.1:$SIM_HTTP_PORT/_sim/info"

started=()
for row in "${SERVICES[@]}"; do
    IFS='|' read -r name port prefix args extra <<<"$row"
    [ -d "$PA_ROOT/services/$name" ] || continue
    [ -x "$BIN/$name" ] || die "services/$name exists but target/debug/$name was not built"
    require_free_port "$name" "$port"
    settings=(
        "HTTP__BIND=127.0.0.1:$port"
        "HTTP__PUBLIC_BASE_URL=http://127.0.0.1:$port"
        "AMQP__URL=$AMQP_URL"
        "TELEMETRY__LOG_FORMAT=pretty"
    )
    read -r -a extra_settings <<<"$extra"
    settings+=("${extra_settings[@]}")
    env_file="$PA_RUN/env/$name.env"
    (umask 077 && : >"$env_file")
    chmod 600 "$env_file"
    for kv in "${settings[@]}"; do
        printf '%s%s\n' "$prefix" "$kv" >>"$env_file"
    done
    read -r -a service_args <<<"$args"
    mapfile -t service_env <"$env_file"
    launch "$name" env "${service_env[@]}" "$BIN/$name" "${service_args[@]}"
    started+=("$name|$port")
done
for dir in "$PA_ROOT"/services/*/; do
    crate=$(basename "$dir")
    known=false
    for row in "${SERVICES[@]}"; do
        if [ "${row%%|*}" = "$crate" ]; then known=true; fi
    done
    if [ "$known" = false ]; then
        warn "services/$crate is not in the SERVICES table of deploy/local/up.sh: not started"
    fi
done

# --- 4. wait until everything answers ------------------------------------------------------------
step "waiting for readiness"
# It prints its URLs, app credentials and tenants right after it starts listening.
for _ in $(seq 1 20); do
    if grep -q 'client id' "$PA_RUN/logs/entra-sim.log"; then break; fi
    sleep 0.25
done
for entry in "${started[@]}"; do
    wait_ready "${entry%%|*}" "http://127.0.0.1:${entry##*|}/readyz"
done

# --- 5. what next ------------------------------------------------------------------------------
tp_env=""
if [ -f "$PA_RUN/env/tenant-provisioning.env" ]; then
    tp_env="PA_TP_DATABASE__URL=postgres://pa_tp:pa_tp@127.0.0.1:5432/patient_access?sslmode=disable"
fi
cat <<EOF

${_pa_bold}The local stack is up.${_pa_reset}  Logs: .run/logs/   Stop it: make down

See the whole journey (a new customer directory and tenant, the wizard, the first sync, the
console's Users page, a leaver removed), printed step by step:   make demo

Or step by step by hand:

1. Create the first operator API key (shown once: the command prints only the key, on stdout):

     export PA_KEY=\$($tp_env target/debug/tenant-provisioning create-operator-key --name you)

2. Create a tenant (the customer's IT admin gets a setup email):

     curl -sS -X POST http://127.0.0.1:8081/v1/tenants \\
       -H "Authorization: Bearer \$PA_KEY" -H 'Content-Type: application/json' \\
       -H "Idempotency-Key: \$(cat /proc/sys/kernel/random/uuid)" \\
       -d '{"display_name":"Contoso Health","contact_email":"it-admin@contoso-health.example","environment":"production"}'

3. Read the setup email in the SMTP sink (files in .run/mail/):

     curl -sS 127.0.0.1:$MAIL_HTTP_PORT/messages
     curl -sS 127.0.0.1:$MAIL_HTTP_PORT/messages/latest/text

4. Open its setup link (http://127.0.0.1:8082/setup#token=…) in a browser: the setup wizard.
   Directory: contosohealth.onmicrosoft.com (the simulator's seeded demo directory); consent is
   given at the simulator; first administrator: avery.admin@contosohealth.onmicrosoft.com;
   admin group "Patient Access Admins", user group "All Staff". Or, without a browser:
     PA_KEY=\$PA_KEY bash services/consent/walkthrough.sh

5. The admin console: http://127.0.0.1:8084/  (sign in with Microsoft = the simulator, as
   avery.admin@contosohealth.onmicrosoft.com; the Users tab fills within a minute)

API docs (Swagger UI):
EOF
for entry in "${started[@]}"; do
    printf '     %-22s http://127.0.0.1:%s/docs/   (OpenAPI: /openapi.json)\n' "${entry%%|*}" "${entry##*|}"
done
cat <<EOF

Entra ID / Microsoft Graph simulator (entra-sim; every credential is fake):
EOF
grep -E '^ +(login base URL|graph base URL|control API|http listener|https listener|CA certificate|client id|client secret|tenant) +:' \
    "$PA_RUN/logs/entra-sim.log" | sed 's/^ */     /' || true
cat <<EOF
     demo directory: Contoso Health, admin avery.admin@contosohealth.onmicrosoft.com (seeded)
     try: curl -sS --cacert .run/entra-sim-ca.pem https://127.0.0.1:$SIM_HTTPS_PORT/contosohealth.onmicrosoft.com/v2.0/.well-known/openid-configuration
          curl -sS http://127.0.0.1:$SIM_HTTP_PORT/_sim/tenants

Stop everything started here: make down
EOF
