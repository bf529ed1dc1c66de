# shellcheck shell=bash
# The steps of the disaster-recovery drill (deploy/dr/drill.sh), sourced after deploy/local/lib.sh,
# deploy/lib/journey.sh and deploy/lib/stack.sh.
# shellcheck source=deploy/lib/stack.sh
. "$PA_ROOT/deploy/lib/stack.sh"

RUN=/tmp/pa-dr
PRIMARY_PORT=18632 RESTORED_PORT=18633
TP_PORT=18681 CONSENT_PORT=18682 SYNC_PORT=18683 CONSOLE_PORT=18684 WORKER_PORT=18685
SMTP_PORT=18625 MAIL_PORT=18626 SIM_PORT=18640 SIM_TLS_PORT=18643
VHOST=pa-dr
DB=patient_access
# The WAL receiver's application_name: the primary waits for it before acknowledging a commit.
RECEIVER=pa_wal_archive
SERVICES=(tenant-provisioning consent sync-dispatch sync-dispatch-worker admin-console)
declare -A PORT_OF=([tenant-provisioning]=$TP_PORT [consent]=$CONSENT_PORT [sync-dispatch]=$SYNC_PORT
    [sync-dispatch-worker]=$WORKER_PORT [admin-console]=$CONSOLE_PORT)
declare -A BINARY_OF=([tenant-provisioning]=tenant-provisioning [consent]=consent [sync-dispatch]=sync-dispatch
    [sync-dispatch-worker]=sync-dispatch [admin-console]=admin-console)
declare -A PREFIX_OF=([tenant-provisioning]=PA_TP_ [consent]=PA_CONSENT_ [sync-dispatch]=PA_SYNC_
    [sync-dispatch-worker]=PA_SYNC_ [admin-console]=PA_CONSOLE_)

# as_pg COMMAND...: PostgreSQL's server tools refuse root: run them as postgres when we are root.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# sql PORT DATABASE SQL: one value (or rows, |-separated) from the cluster on PORT, as postgres.
sql() {
    psql "postgres://postgres@127.0.0.1:$1/$2" -qAtX -v ON_ERROR_STOP=1 -c "$3"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

dr_prepare() {
    PGBIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [ -x "$PGBIN/pg_basebackup" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
    command -v jq >/dev/null || die "jq not found (apt-get install jq)"
    port_open 127.0.0.1 5672 || die "RabbitMQ is not running on 127.0.0.1:5672 (deploy/local/ensure-infra.sh)"
    if [ -d "$RUN" ]; then
        step "stopping what a previous drill left in $RUN"
        dr_stop_everything
        rm -rf "$RUN"
    fi
    for port in $PRIMARY_PORT $RESTORED_PORT $TP_PORT $CONSENT_PORT $SYNC_PORT $CONSOLE_PORT $WORKER_PORT \
        $SMTP_PORT $MAIL_PORT $SIM_PORT $SIM_TLS_PORT; do
        port_open 127.0.0.1 "$port" && die "port $port is in use (another dr-drill running?)"
    done
    mkdir -p "$RUN/logs" "$RUN/env" "$RUN/mail" "$RUN/pids" "$RUN/pg"
    chmod 700 "$RUN/env"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN/pg" "$RUN/logs"; fi
    J_TIMINGS="$RUN/timings.tsv"
    : >"$J_TIMINGS"
    DR_STARTED=$(now)
    step "building what the drill runs (debug) and rendering the manifests for the settings"
    cargo build -q --bins -p pa-db -p smtp-sink -p entra-sim -p tenant-provisioning -p consent \
        -p sync-dispatch -p admin-console
    stack_render "$RUN/logs/k8s-validate.log"
    info "target/debug binaries built; target/k8s/local.yaml rendered"
}

# dr_stop_everything: services, simulators, canary, WAL receiver, both clusters.
dr_stop_everything() {
    stack_kill_pidfiles "$RUN/pids"
    stack_kill_pidfiles "$RUN/pg"
    stack_kill_pidfiles "$RUN"
    local dir
    for dir in "$RUN/pg/primary" "$RUN/pg/restored"; do
        if [ -f "$dir/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
    done
}

dr_cleanup() {
    local status=$?
    set +e
    dr_stop_everything
    as_root rabbitmqctl -q delete_vhost "$VHOST" >/dev/null 2>&1
    # A service that panicked (e.g. while stopping on a dead cluster) would otherwise leave only
    # bash's "Aborted" job notice once the logs are gone.
    if grep -qs 'panicked' "$RUN"/logs/*.log; then
        warn "a process panicked during the drill:"
        grep -H -A4 'panicked' "$RUN"/logs/*.log | head -n 40 >&2
    fi
    if [ "$status" -eq 0 ] && [ "${DR_KEEP:-}" != 1 ]; then
        rm -rf "$RUN"
    else
        warn "drill state kept in $RUN (logs in $RUN/logs)"
    fi
}

# --- the primary -------------------------------------------------------------------------------
dr_init_primary() {
    local data="$RUN/pg/primary"
    as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-instructions >"$RUN/logs/initdb.log"
    mkdir -p "$RUN/pg/sock" "$RUN/pg/wal-archive"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN/pg/sock" "$RUN/pg/wal-archive"; fi
    # Production-like durability: fsync on; every commit waits until the WAL receiver (the
    # archive) has flushed it, so a commit acknowledged to a service is in the archive.
    cat >>"$data/postgresql.conf" <<EOF

# --- dr-drill primary ---
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN/pg/sock'
max_connections = 200
shared_buffers = 64MB
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
synchronous_commit = on
synchronous_standby_names = '$RECEIVER'
EOF
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$RUN/logs/primary.log" -w start >/dev/null
    # The archive: pg_receivewal on a slot (the primary keeps WAL until the receiver has it).
    local conn="host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=$RECEIVER"
    as_pg "$PGBIN/pg_receivewal" -d "$conn" -D "$RUN/pg/wal-archive" --slot "$RECEIVER" --create-slot --if-not-exists
    setsid nohup runuser -u postgres -- "$PGBIN/pg_receivewal" -d "$conn" -D "$RUN/pg/wal-archive" \
        --slot "$RECEIVER" --synchronous --no-loop </dev/null >"$RUN/logs/pg_receivewal.log" 2>&1 &
    echo $! >"$RUN/pg/wal-receiver.pid"
    wait_for "synchronous WAL archive ($RECEIVER)" 30 bash -c \
        "[ \"\$(psql postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres -qAtX -c \"SELECT sync_state FROM pg_stat_replication WHERE application_name = '$RECEIVER'\")\" = sync ]" ||
        die "the WAL receiver did not become the synchronous standby ($RUN/logs/pg_receivewal.log)"
}

# dr_bootstrap PORT: roles and databases (deploy/postgres/bootstrap.sh), migrations (pa-migrate as
# the owner, with the manifests' owner URL), and the canary database.
dr_bootstrap() {
    PGHOST=127.0.0.1 PGPORT=$1 bash deploy/postgres/bootstrap.sh
    PA_MIGRATE_DATABASE_URL=$(stack_db_url pa-migrate PA_MIGRATE_DATABASE_URL "127.0.0.1:$1" "$DB") \
        target/debug/pa-migrate | sed 's/^/    /'
    sql "$1" postgres "CREATE DATABASE pa_dr_canary" >/dev/null
    sql "$1" pa_dr_canary "CREATE TABLE canary (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())" >/dev/null
    info "roles, databases (deploy/postgres/bootstrap.sh) and migrations applied"
}

dr_infra() {
    stack_reset_vhost "$VHOST"
    stack_sink_and_sim "$RUN" $SMTP_PORT $MAIL_PORT $SIM_PORT $SIM_TLS_PORT \
        "http://127.0.0.1:$CONSENT_PORT/consent/callback,http://127.0.0.1:$CONSOLE_PORT/auth/callback"
    # shellcheck disable=SC2034 # read by deploy/lib/journey.sh
    J_TP=http://127.0.0.1:$TP_PORT J_CONSENT=http://127.0.0.1:$CONSENT_PORT J_SYNC=http://127.0.0.1:$SYNC_PORT
    J_CONSOLE=http://127.0.0.1:$CONSOLE_PORT J_MAIL=http://127.0.0.1:$MAIL_PORT
    # shellcheck disable=SC2034 # read by deploy/lib/journey.sh
    J_SIM=http://127.0.0.1:$SIM_PORT J_SIM_CA=$RUN/entra-sim-ca.pem
}

# dr_envfile WORKLOAD PG_PORT: RUN/env/WORKLOAD.env, the overlay's settings for this host.
dr_envfile() {
    local w=$1 pg=$2 p=${PREFIX_OF[$1]} port=${PORT_OF[$1]}
    local o=(
        "${p}HTTP__BIND=127.0.0.1:$port" "${p}HTTP__PUBLIC_BASE_URL=http://127.0.0.1:$port"
        "${p}DATABASE__URL=$(stack_db_url "$w" "${p}DATABASE__URL" "127.0.0.1:$pg" "$DB")"
        "${p}AMQP__URL=amqp://guest:guest@127.0.0.1:5672/$VHOST"
    )
    if [ "$w" != tenant-provisioning ]; then
        o+=("${p}ENTRA__LOGIN_BASE_URL=https://127.0.0.1:$SIM_TLS_PORT"
            "${p}ENTRA__GRAPH_BASE_URL=https://127.0.0.1:$SIM_TLS_PORT/graph"
            "${p}ENTRA__EXTRA_CA_PEM=$RUN/entra-sim-ca.pem"
            "${p}ENTRA__CLIENT_ID=$STACK_SIM_CLIENT_ID" "${p}ENTRA__CREDENTIAL__SECRET=$STACK_SIM_SECRET")
    fi
    case $w in
    tenant-provisioning)
        o+=(PA_TP_SMTP__HOST=127.0.0.1 "PA_TP_SMTP__PORT=$SMTP_PORT"
            "PA_TP_SETUP_LINKS__WIZARD_BASE_URL=http://127.0.0.1:$CONSENT_PORT") ;;
    consent)
        o+=(PA_CONSENT_SMTP__HOST=127.0.0.1 "PA_CONSENT_SMTP__PORT=$SMTP_PORT"
            "PA_CONSENT_WIZARD__FRONTEND_URL=http://127.0.0.1:$CONSENT_PORT/setup"
            "PA_CONSENT_CONSOLE__BASE_URL=http://127.0.0.1:$CONSOLE_PORT"
            "PA_CONSENT_EGRESS__MANIFEST_URL=http://127.0.0.1:$TP_PORT/v1/egress-ips") ;;
    admin-console)
        o+=("PA_CONSOLE_CONSOLE__FRONTEND_URL=http://127.0.0.1:$CONSOLE_PORT/") ;;
    esac
    # The front-end, when built, from the working tree (the images carry it at /web).
    if [ "$w" = consent ] || [ "$w" = admin-console ]; then
        if [ -f services/web/dist/index.html ]; then o+=("${p}WEB__DIR=$PA_ROOT/services/web/dist"); else o+=("${p}WEB__DIR-"); fi
    fi
    (umask 077 && stack_env "$w" "${o[@]}" >"$RUN/env/$w.env")
}

# dr_start_services PG_PORT: the four services (sync-dispatch as its two Deployments) from
# target/debug with the settings the manifests give them, against the cluster on PG_PORT.
dr_start_services() {
    local w env
    for w in "${SERVICES[@]}"; do
        dr_envfile "$w" "$1"
        mapfile -t env <"$RUN/env/$w.env"
        setsid nohup env "${env[@]}" "target/debug/${BINARY_OF[$w]}" serve </dev/null >>"$RUN/logs/$w.log" 2>&1 &
        echo $! >"$RUN/pids/$w.pid"
    done
    for w in "${SERVICES[@]}"; do
        wait_for "$w (:${PORT_OF[$w]}) on the cluster at :$1" 90 \
            curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:${PORT_OF[$w]}/readyz" || {
            tail -n 30 "$RUN/logs/$w.log" >&2
            die "$w did not become ready"
        }
    done
}

dr_restart_services() {
    local t0
    t0=$(now)
    stack_kill_pidfiles "$RUN/pids"
    dr_start_services "$1"
    SERVICES_SECS=$(elapsed "$t0")
    RESTORE_TOTAL_SECS=$(elapsed "$RESTORE_STARTED")
    info "services re-pointed at :$1 and ready in ${SERVICES_SECS}s"
}

dr_operator_key() {
    local env
    mapfile -t env <"$RUN/env/tenant-provisioning.env"
    env "${env[@]}" target/debug/tenant-provisioning create-operator-key --name dr-drill 2>/dev/null
}

# --- backup --------------------------------------------------------------------------------------
dr_base_backup() {
    local t0
    t0=$(now)
    as_pg "$PGBIN/pg_basebackup" -d "host=127.0.0.1 port=$PRIMARY_PORT user=postgres" -D "$RUN/pg/backup" \
        -Ft -z -X stream -c fast -l dr-drill >"$RUN/logs/pg_basebackup.log" 2>&1 ||
        die "pg_basebackup failed ($RUN/logs/pg_basebackup.log)"
    BACKUP_SECS=$(elapsed "$t0")
    BACKUP_DONE_AT=$(date -u '+%Y-%m-%d %H:%M:%S.%N+00')
    BACKUP_BYTES=$(du -sb "$RUN/pg/backup" | cut -f1)
    DB_BYTES=$(sql $PRIMARY_PORT postgres "SELECT sum(pg_database_size(datname)) FROM pg_database")
    BACKUP_START_LSN=$(tar -xzOf "$RUN/pg/backup/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: \([^ ]*\).*/\1/p')
    info "base backup: $(numfmt --to=iec "$BACKUP_BYTES") compressed (cluster $(numfmt --to=iec "$DB_BYTES")) in ${BACKUP_SECS}s, from WAL $BACKUP_START_LSN"
}

# dr_canary_start: commits numbered rows on the primary, one at a time, until it dies; the last
# acknowledged number is in RUN/canary.acked.
dr_canary_start() {
    (
        i=0
        while psql "postgres://postgres@127.0.0.1:$PRIMARY_PORT/pa_dr_canary" -qAtX \
            -c "INSERT INTO canary (id) VALUES ($((i + 1)))" >/dev/null 2>&1; do
            i=$((i + 1))
            echo "$i" >"$RUN/canary.acked.tmp" && mv "$RUN/canary.acked.tmp" "$RUN/canary.acked"
        done
    ) &
    echo $! >"$RUN/pg/canary.pid"
}

# dr_snapshot PORT: what the journey has done so far, one "what<TAB>count" per line.
dr_snapshot() {
    sql "$1" "$DB" "
        SELECT 'audit ' || action, count(*) FROM audit_log WHERE tenant_id = '$J_TENANT' GROUP BY action
        UNION ALL SELECT 'directory users', count(*) FROM directory_users WHERE tenant_id = '$J_TENANT'
        UNION ALL SELECT 'sync runs succeeded', count(*) FROM sync_runs WHERE tenant_id = '$J_TENANT' AND status = 'succeeded'
        UNION ALL SELECT 'processed messages', count(*) FROM processed_messages
        ORDER BY 1" | tr '|' '\t'
}

# dr_sim_latency MS: every Graph call of the demo directory takes MS longer (entra-sim knob).
dr_sim_latency() {
    curl -fsS -X PUT "$J_SIM/_sim/tenants/$J_DIRECTORY/faults" -H 'Content-Type: application/json' \
        -d "{\"latency_ms\":$1}" >/dev/null || die "the simulator refused the latency knob"
}

# dr_progress PORT: where the journey stands in the cluster on PORT, on one line.
dr_progress() {
    sql "$1" "$DB" "
        SELECT concat_ws(', ',
            'tenant ' || coalesce((SELECT status FROM tenants WHERE id = '$J_TENANT'), 'missing'),
            (SELECT count(*) FROM outbox) || ' events in the outbox',
            (SELECT count(*) FROM processed_messages) || ' messages processed',
            (SELECT coalesce(string_agg(kind || ' ' || status, ', '), 'no sync run')
               FROM sync_runs WHERE tenant_id = '$J_TENANT'),
            (SELECT count(*) FROM directory_users WHERE tenant_id = '$J_TENANT') || ' users synced')"
}

# dr_wait_sync_running PORT: until the cluster on PORT shows a sync run in progress.
dr_wait_sync_running() {
    local deadline=$((SECONDS + 60))
    until [ "$(sql "$1" "$DB" "SELECT count(*) FROM sync_runs WHERE status = 'running'")" -gt 0 ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "no sync run started within 60 s of the wizard's finish"
        sleep 0.05
    done
    info "the first sync is running"
}

# dr_wait_active: tenant-provisioning reports the tenant active and the welcome mail is in the sink.
dr_wait_active() {
    local deadline=$((SECONDS + J_TIMEOUT)) status="" mails=0
    while [ "$SECONDS" -lt "$deadline" ]; do
        status=$(curl -fsS "$J_TP/v1/tenants/$J_TENANT" -H "Authorization: Bearer $J_KEY" | jq -r .status)
        mails=$(curl -fsS -G "$J_MAIL/messages" --data-urlencode "to=$J_ADMIN_UPN" |
            jq --arg t "$J_TENANT" '[.[] | select((.text_body // "") | contains($t))] | length')
        if [ "$status" = active ] && [ "$mails" -ge 1 ]; then break; fi
        sleep 0.5
    done
    [ "$status" = active ] || die "tenant $J_TENANT is '$status' after the restore, not active"
    [ "$mails" -ge 1 ] || die "no welcome mail to $J_ADMIN_UPN after the restore"
    info "tenant $J_TENANT active, welcome mail sent"
}

# --- disaster ------------------------------------------------------------------------------------
dr_disaster() {
    as_pg "$PGBIN/pg_ctl" -D "$RUN/pg/primary" -m immediate stop >/dev/null
    DISASTER_AT=$(now)
    local pid
    pid=$(cat "$RUN/pg/canary.pid")
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    rm -f "$RUN/pg/canary.pid"
    CANARY_ACKED=$(cat "$RUN/canary.acked" 2>/dev/null || echo 0)
    rm -rf "$RUN/pg/primary"
    info "primary killed (immediate shutdown) with $CANARY_ACKED canary commits acknowledged; data directory deleted"
    # The receiver exits (--no-loop) when its server goes; make sure it has.
    stack_kill_pidfiles "$RUN/pg"
    info "WAL archive: $(find "$RUN/pg/wal-archive" -type f | wc -l) files ($(du -sh "$RUN/pg/wal-archive" | cut -f1))"
}

# --- recovery ------------------------------------------------------------------------------------
dr_restore() {
    local data="$RUN/pg/restored" archive="$RUN/pg/wal-archive" f
    RESTORE_STARTED=$(now)
    as_pg mkdir -m 700 "$data"
    as_pg tar -xzf "$RUN/pg/backup/base.tar.gz" -C "$data"
    as_pg tar -xzf "$RUN/pg/backup/pg_wal.tar.gz" -C "$data/pg_wal"
    # The segment the receiver was writing is "<name>.partial": recovery reads it under its name.
    for f in "$archive"/*.partial; do
        [ -f "$f" ] && as_pg cp "$f" "${f%.partial}"
    done
    # Point-in-time recovery to the end of the archive (recovery_target_timeline = latest, no
    # target). The new primary has no WAL receiver yet: it must not wait for one.
    as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# --- dr-drill restore ---
port = $RESTORED_PORT
synchronous_standby_names = ''
restore_command = 'cp $archive/%f "%p" 2>/dev/null'
recovery_target_timeline = 'latest'
# After a crash PostgreSQL syncs the data directory before recovering; syncfs (one call per
# file system) instead of an fsync per file saves seconds.
recovery_init_sync_method = syncfs
EOF
    as_pg touch "$data/recovery.signal"
    as_pg "$PGBIN/pg_ctl" -D "$data" -l "$RUN/logs/restored.log" -w -t 600 start >/dev/null ||
        die "the restored cluster did not start ($RUN/logs/restored.log)"
    wait_for "recovery finished, cluster writable" 600 \
        bash -c "[ \"\$(psql postgres://postgres@127.0.0.1:$RESTORED_PORT/postgres -qAtX -c 'SELECT pg_is_in_recovery()' 2>/dev/null)\" = f ]" ||
        die "the restored cluster stayed in recovery ($RUN/logs/restored.log)"
    RESTORE_DB_SECS=$(elapsed "$RESTORE_STARTED")
    REDO_DONE_LSN=$(sed -n 's/.*redo done at \([0-9A-F]*\/[0-9A-F]*\).*/\1/p' "$RUN/logs/restored.log" | tail -n 1)
    LAST_TX=$(sed -n 's/.*last completed transaction was at log time \(.*\)$/\1/p' "$RUN/logs/restored.log" | tail -n 1)
    WAL_REPLAYED=$(sql $RESTORED_PORT postgres "SELECT pg_wal_lsn_diff('$REDO_DONE_LSN', '$BACKUP_START_LSN')")
    if [ -n "$LAST_TX" ]; then
        LAST_TX_BEFORE_DISASTER_MS=$(awk -v a="$(date -d "$LAST_TX" +%s.%N)" -v b="$DISASTER_AT" 'BEGIN { printf "%d", (b - a) * 1000 }')
    fi
    info "restored and writable in ${RESTORE_DB_SECS}s: base backup + $(numfmt --to=iec "$WAL_REPLAYED") of WAL replayed (redo done at $REDO_DONE_LSN)"
    info "last transaction recovered: $LAST_TX (${LAST_TX_BEFORE_DISASTER_MS:-?} ms before the primary was killed)"
}

# --- checks --------------------------------------------------------------------------------------
# expect WHAT ACTUAL WANTED
expect() {
    if [ "$2" != "$3" ]; then die "$1: $2, expected $3"; fi
    info "$1: $2"
}

dr_checks() {
    step "checks: nothing lost, nothing applied twice"
    local restored=$RESTORED_PORT present what before after
    present=$(sql $restored pa_dr_canary "SELECT count(*) FROM canary WHERE id <= $CANARY_ACKED")
    expect "acknowledged canary commits present after the restore" "$present/$CANARY_ACKED" "$CANARY_ACKED/$CANARY_ACKED"
    # Everything the primary had done before the disaster is there (counts only grow).
    while IFS=$'\t' read -r what before; do
        after=$(dr_snapshot $restored | awk -F'\t' -v w="$what" '$1 == w { print $2 }')
        [ "${after:-0}" -ge "$before" ] || die "$what: $before on the primary before the disaster, ${after:-0} after the restore"
    done <"$RUN/before.tsv"
    info "every count taken on the primary before the disaster is there ($(wc -l <"$RUN/before.tsv") checked)"
    local after_backup
    after_backup=$(sql $restored "$DB" "SELECT count(*) FROM audit_log WHERE tenant_id = '$J_TENANT' AND occurred_at > '$BACKUP_DONE_AT'")
    [ "$after_backup" -gt 0 ] || die "nothing the journey did after the base backup is in the restored cluster"
    info "audit records written after the base backup ended, recovered from the WAL archive: $after_backup"
    # Each step of the journey happened exactly once.
    local action
    for action in tenant.provisioned tenant.setup_link_issued directory.set consent.granted admin.set groups.set \
        setup.completed tenant.activated sync.tenant_registered console.tenant_seeded; do
        expect "audit records '$action'" \
            "$(sql $restored "$DB" "SELECT count(*) FROM audit_log WHERE tenant_id = '$J_TENANT' AND action = '$action' AND outcome = 'success'")" 1
    done
    expect "tenants in the journey" "$(sql $restored "$DB" "SELECT count(*) FROM tenants WHERE id = '$J_TENANT' AND status = 'active'")" 1
    expect "initial full syncs" "$(sql $restored "$DB" "SELECT count(*) FROM sync_runs WHERE tenant_id = '$J_TENANT' AND kind = 'full' AND trigger = 'setup'")" 1
    local contact
    contact=$(grep -o 'walkthrough-[0-9]*-[0-9]*@contoso-health.example' "$RUN/logs/walkthrough.log" | head -n 1)
    expect "setup mails to $contact" "$(curl -fsS -G "$J_MAIL/messages" --data-urlencode "to=$contact" | jq length)" 1
    expect "welcome mails to the administrator" \
        "$(curl -fsS -G "$J_MAIL/messages" --data-urlencode "to=$J_ADMIN_UPN" | jq --arg t "$J_TENANT" '[.[] | select((.text_body // "") | contains($t))] | length')" 1
    local users api_users
    users=$(sql $restored "$DB" "SELECT count(*) FROM directory_users WHERE tenant_id = '$J_TENANT'")
    api_users=$(journey_users | jq '.items | length')
    expect "users in the console = users synced" "$api_users" "$users"
    wait_for "outbox drained" 15 bash -c "[ \"\$(psql postgres://postgres@127.0.0.1:$restored/$DB -qAtX -c 'SELECT count(*) FROM outbox')\" = 0 ]" ||
        die "events left in the outbox of the restored cluster"
    expect "dead-lettered messages" "$(as_root rabbitmqctl -q list_queues -p "$VHOST" name messages | awk '$1 == "pa.dead-letter" { print $2 }')" 0
    local verdict
    wait_for "audit records sealed" 15 bash -c "[ \"\$(curl -fsS -b '$J_JAR' '$J_CONSOLE/v1/audit-events/verification' | jq -r .unsealed)\" = 0 ]" || true
    verdict=$(curl -fsS -b "$J_JAR" "$J_CONSOLE/v1/audit-events/verification")
    expect "audit chain intact (console verification)" "$(jq -r .intact <<<"$verdict")" true
    info "audit chain: $(jq -r '"\(.verified) records verified, head #\(.head_seq)"' <<<"$verdict")"
}

dr_figures() {
    printf '    %-52s %s\n' \
        "base backup size (tar.gz, with its WAL)" "$(numfmt --to=iec "$BACKUP_BYTES") ($BACKUP_BYTES bytes; cluster $(numfmt --to=iec "$DB_BYTES"))" \
        "base backup time (pg_basebackup -c fast, running stack)" "${BACKUP_SECS}s" \
        "restore time: backup + WAL replay to a writable cluster" "${RESTORE_DB_SECS}s" \
        "WAL replayed after the backup's start" "$(numfmt --to=iec "$WAL_REPLAYED")" \
        "restore time: until every service is ready on it" "${RESTORE_TOTAL_SECS}s (services restarted in ${SERVICES_SECS}s)" \
        "acknowledged commits lost (recovery point)" "0 of $CANARY_ACKED (last recovered commit ${LAST_TX_BEFORE_DISASTER_MS:-?} ms before the kill)" \
        "whole drill" "$(elapsed "$DR_STARTED")s"
}
