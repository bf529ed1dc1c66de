#!/usr/bin/env bash
# `make dr-drill`: the disaster-recovery drill of deploy/README.md ("Disaster recovery"), on a
# stack of its own.
#
#   1. a primary PostgreSQL cluster (port 18632) archiving its WAL continuously and synchronously
#      (pg_receivewal on a replication slot, named in synchronous_standby_names), bootstrapped and
#      migrated like production; smtp-sink, entra-sim and the four services against it
#   2. the journey starts (services/consent/walkthrough.sh); while the wizard runs, a base backup
#      is taken (pg_basebackup -Ft -z -X stream -c fast)
#   3. the wizard finishes on the primary after the backup; a canary writer commits numbered rows
#      and records each acknowledged commit
#   4. disaster, mid-flight: right after the wizard's last step (while setup.completed is being
#      applied and the first sync starts) the primary is killed (immediate shutdown) and its data
#      directory deleted (DR_DISASTER=quiet: after the first sync instead)
#   5. recovery: the base backup is restored into a fresh cluster (port 18633) and the archived WAL
#      replayed to its end (point-in-time recovery to "latest"); the services are restarted with
#      the new DATABASE__URL
#   6. the journey finishes on the restored cluster (administrator signs in, users visible, a
#      leaver deactivated) and the checks run: every acknowledged canary commit is there, every
#      step of the journey happened exactly once (audit records, runs, mails), nothing is left in
#      the outbox or dead-lettered, the audit chain verifies
# Closing figures: backup size and time, restore time (to a writable cluster, and to ready
# services), WAL replayed, acknowledged commits lost.
#
# Isolated: ports 18625-18684, state in /tmp/pa-dr (deleted at the end unless DR_KEEP=1), RabbitMQ
# vhost pa-dr. PostgreSQL's server binaries come from /usr/lib/postgresql/<newest>/bin and run as
# the postgres user when this runs as root.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
# shellcheck source=deploy/lib/journey.sh
. "$PA_ROOT/deploy/lib/journey.sh"
# shellcheck source=deploy/dr/lib.sh
. "$PA_ROOT/deploy/dr/lib.sh"
cd "$PA_ROOT"

dr_prepare
trap dr_cleanup EXIT

# --- 1. the primary, archiving WAL, and the stack on it -------------------------------------------
step "1. primary cluster on :$PRIMARY_PORT with synchronous WAL archiving (pg_receivewal)"
dr_init_primary
dr_bootstrap "$PRIMARY_PORT"
dr_infra
dr_start_services "$PRIMARY_PORT"

# --- 2. the journey starts; a base backup while the wizard runs -------------------------------------
step "2. the journey starts; base backup while the wizard runs"
J_KEY=$(dr_operator_key "$PRIMARY_PORT")
MODE=${DR_DISASTER:-mid-flight}
if [ "$MODE" = mid-flight ]; then
    # Microsoft answers slowly (400 ms per Graph call), so the first sync is still running when
    # the disaster strikes.
    dr_sim_latency 400
fi
(journey_wizard "$RUN/logs/walkthrough.log" && echo "$J_TENANT" >"$RUN/tenant") >"$RUN/logs/journey-part1.log" 2>&1 &
wizard_pid=$!
wait_for "the wizard at the consent step" 60 grep -qs '== 5\.' "$RUN/logs/walkthrough.log" ||
    die "the walkthrough did not reach the consent step ($RUN/logs/walkthrough.log)"
dr_base_backup
dr_canary_start

# --- 3. work after the backup ---------------------------------------------------------------------
# DR_DISASTER=mid-flight (default): the primary dies as soon as the first sync is seen running
# after the wizard's "finish", while setup.completed is still being applied by its consumers
# (activation, sync registration, console seeding, the welcome mail) — recovery meets a run in
# progress, and whatever events and deliveries were in flight. DR_DISASTER=quiet: it dies after the
# first sync has succeeded.
step "3. after the backup, on the primary: the wizard finishes ($MODE disaster); canary commits"
if [ "$MODE" = mid-flight ]; then
    wait_for "the wizard's finish" 120 grep -qs '== 11\.' "$RUN/logs/walkthrough.log" ||
        die "the walkthrough did not reach its finish ($RUN/logs/walkthrough.log)"
    dr_wait_sync_running "$PRIMARY_PORT"
else
    wait "$wizard_pid" || die "the wizard failed ($RUN/logs/journey-part1.log)"
    J_TENANT=$(cat "$RUN/tenant")
    journey_first_sync
    sleep 1
fi
J_TENANT=$(grep -o 'tenant [0-9a-f-]\{36\}' "$RUN/logs/walkthrough.log" | head -n 1 | cut -d' ' -f2)
wait_for "canary: 10 commits acknowledged" 30 bash -c "[ \"\$(cat '$RUN/canary.acked' 2>/dev/null || echo 0)\" -ge 10 ]" ||
    die "the canary writer does not commit"
dr_snapshot "$PRIMARY_PORT" >"$RUN/before.tsv"
info "on the primary just before the disaster: $(dr_progress "$PRIMARY_PORT")"

# --- 4. disaster -----------------------------------------------------------------------------------
step "4. disaster: the primary is killed and its data directory deleted"
dr_disaster
# The walkthrough (mid-flight) is still polling for the activation: stop it and its subshell.
for child in $(pgrep -P "$wizard_pid" || true); do kill "$child" 2>/dev/null || true; done
kill "$wizard_pid" 2>/dev/null || true
wait "$wizard_pid" 2>/dev/null || true

# --- 5. recovery -----------------------------------------------------------------------------------
step "5. recovery: base backup + archived WAL into a fresh cluster on :$RESTORED_PORT"
dr_restore
info "in flight at the disaster, as restored: $(dr_progress "$RESTORED_PORT")"
dr_restart_services "$RESTORED_PORT"
dr_sim_latency 0

# --- 6. the journey finishes; checks ---------------------------------------------------------------
step "6. the journey finishes on the restored cluster"
dr_wait_active
journey_first_sync
journey_signin
journey_users_visible
journey_leaver
dr_checks

step "dr-drill passed"
dr_figures
