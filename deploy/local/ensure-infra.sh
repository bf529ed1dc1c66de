#!/usr/bin/env bash
# Makes sure the local infrastructure is there and running, for `make up`, `make test` and CI:
#   - PostgreSQL on 127.0.0.1:5432 with trust auth for the superuser `postgres` from 127.0.0.1,
#     plus the Patient Access roles and databases (deploy/postgres/bootstrap.sh);
#   - RabbitMQ on 127.0.0.1:5672 (guest/guest).
# Installs what is missing with apt-get (Debian/Ubuntu). Idempotent: when everything already
# runs it only checks and re-applies the (idempotent) bootstrap.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_HOST=127.0.0.1
PG_PORT=5432
AMQP_PORT=5672
PG_ADMIN_URL="postgres://postgres@$PG_HOST:$PG_PORT/postgres"

install_missing() {
    local missing=()
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        missing+=(postgresql)
    fi
    command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
    command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
    # curl: readiness checks and the commands `make up` prints; cc: crates with C parts (ring).
    command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
    # jq: make demo and services/consent/walkthrough.sh read the JSON answers with it.
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
    if [ "${#missing[@]}" -eq 0 ]; then
        return
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${missing[*]} and no apt-get here: install them with your package manager"
    step "installing ${missing[*]} (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
pg_admin_ok() { psql "$PG_ADMIN_URL" -w -qAtc 'SELECT 1' >/dev/null 2>&1; }

ensure_postgres() {
    local version status
    version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    [ -n "$version" ] || die "no PostgreSQL cluster configuration under /etc/postgresql"
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
        step "creating PostgreSQL $version cluster 'main'"
        as_root pg_createcluster --port "$PG_PORT" "$version" main
    fi
    if ! pg_ready; then
        status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }')
        if [ "$status" != online ]; then
            step "starting PostgreSQL $version"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
        fi
        wait_for "PostgreSQL" 60 pg_ready ||
            die "PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT (see /var/log/postgresql/)"
    fi

    # A fresh Debian install asks for passwords on 127.0.0.1; the local stack and the tests
    # connect as `postgres` over TCP without one (local development only).
    if ! pg_admin_ok; then
        local hba="/etc/postgresql/$version/main/pg_hba.conf"
        local marker="# patient-access: trust on loopback for local development (deploy/local/ensure-infra.sh)"
        if ! as_root grep -qF "$marker" "$hba"; then
            step "allowing trust authentication from 127.0.0.1 and ::1 in $hba"
            as_root sed -i "1i $marker\\nhost all all 127.0.0.1/32 trust\\nhost all all ::1/128 trust" "$hba"
        fi
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        wait_for "PostgreSQL trust auth" 15 pg_admin_ok || die "cannot connect as $PG_ADMIN_URL"
    fi
    info "PostgreSQL $version: $PG_HOST:$PG_PORT"

    local bootstrap="$PA_ROOT/deploy/postgres/bootstrap.sh"
    if [ -f "$bootstrap" ]; then
        PA_BOOTSTRAP_DATABASE_URL="$PG_ADMIN_URL" sh "$bootstrap"
        info "roles pa_owner/pa_app and databases patient_access/pa_test: present"
    else
        warn "deploy/postgres/bootstrap.sh not found: roles and databases not created"
    fi
}

rabbit_ready() { port_open 127.0.0.1 "$AMQP_PORT"; }

ensure_rabbitmq() {
    if ! rabbit_ready; then
        step "starting RabbitMQ"
        # Fails harmlessly when the node is already starting; await_startup decides.
        as_root rabbitmq-server -detached || true
        # -detached returns before the node has registered with epmd, and await_startup fails
        # at once for a node it cannot reach yet: retry it until the node answers.
        local deadline=$((SECONDS + 120))
        until as_root rabbitmqctl --quiet --timeout 60 await_startup >/dev/null 2>&1; do
            [ "$SECONDS" -lt "$deadline" ] || die "RabbitMQ did not start within 120 s (see /var/log/rabbitmq/)"
            sleep 1
        done
        wait_for "RabbitMQ" 30 rabbit_ready || die "RabbitMQ is not listening on 127.0.0.1:$AMQP_PORT"
    fi
    info "RabbitMQ: 127.0.0.1:$AMQP_PORT"
}

step "local infrastructure"
install_missing
ensure_postgres
ensure_rabbitmq
