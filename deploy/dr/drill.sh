#!/usr/bin/env bash
# `make dr-drill`: the disaster-recovery drill of deploy/README.md ("Disaster recovery"), on a
# stack of its own.
#
#   1. a primary PostgreSQL cluster (port 18632) archiving its WAL continuously and synchronously
#      (pg_receivewal on a replication slot, named in synchronous_standby_names), bootstrapped and
#      migrated like production; smtp-sink, entra-sim and the four services against it
#   2. the journey starts (services/consent/walkthrough.sh); while the wizard runs, a base backup
#      is taken (pg_basebackup -Ft -z -X stream -c fast)
#   3. the wizard finishes and the first sync runs, on the primary, after the backup; a canary
#      writer commits numbered rows and records each acknowledged commit
#   4. disaster: the primary is killed (immediate shutdown) and its data directory deleted
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

# --- 2. the journey starts; a base backup while the wizard runs ------------------------------------
step "2. the journey starts; base backup while the wizard runs"
J_KEY=$(dr_operator_key "$PRIMARY_PORT")
(journey_wizard "$RUN/logs/walkthrough.log" && echo "$J_TENANT" >"$RUN/tenant") >"$RUN/logs/journey-part1.log" 2>&1 &
wizard_pid=$!
wait_for "the wizard at the consent step" 60 grep -qs '== 5\.' "$RUN/logs/walkthrough.log" ||
    die "the walkthrough did not reach the consent step ($RUN/logs/walkthrough.log)"
dr_base_backup
dr_canary_start
wait "$wizard_pid" || {
    cat "$RUN/logs/journey-part1.log" >&2
    die "the wizard failed"
}
J_TENANT=$(cat "$RUN/tenant")
info "wizard finished after the backup started: tenant $J_TENANT active"

# --- 3. work after the backup: the first sync; the canary ------------------------------------------
step "3. after the backup: first sync on the primary; canary commits"
journey_first_sync
dr_snapshot "$PRIMARY_PORT" >"$RUN/before.tsv"
sleep 2

# --- 4. disaster -----------------------------------------------------------------------------------
step "4. disaster: the primary is killed and its data directory deleted"
dr_disaster

# --- 5. recovery -----------------------------------------------------------------------------------
step "5. recovery: base backup + archived WAL into a fresh cluster on :$RESTORED_PORT"
dr_restore
dr_restart_services "$RESTORED_PORT"

# --- 6. the journey finishes; checks ---------------------------------------------------------------
step "6. the journey finishes on the restored cluster"
journey_first_sync
journey_signin
journey_users_visible
journey_leaver
dr_checks

step "dr-drill passed"
dr_figures
