#!/usr/bin/env bash
# `make images-check`: builds the scratch images and proves they work: runs the migration and the
# four services from the images (podman, --network host, read-only root, no capabilities, user
# 65532 — what the Kubernetes manifests ask for) against the host's PostgreSQL and RabbitMQ, with
# the settings the local Kubernetes overlay gives each Deployment (re-pointed at the host), and
# drives a short journey through them: provision a tenant → setup mail → wizard to the end →
# first sync → the users visible in the console → a leaver deactivated.
#
# Isolated from everything else on the machine: ports 18525-18585, database
# patient_access_images (dropped and re-created), RabbitMQ vhost pa-images (likewise), state in
# /tmp/pa-images. The simulator and the SMTP sink run from the host's debug binaries.
# Not run by CI (a release build of five binaries takes 10+ minutes on 2 cores).
# The images are built from the last commit (git archive HEAD), not from the working tree.
#   IMAGES_REV=REV      build that commit instead of HEAD
#   IMAGES_NO_CARGO=1   package the release binaries already built (skip cargo)
#   IMAGES_KEEP=1       leave the containers, database and vhost at the end (stop the containers:
#                       podman rm -f $(podman ps -qf name=pa-images-)); they are dropped otherwise
#                       (and kept for inspection when the check fails)
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
# shellcheck source=deploy/lib/journey.sh
. "$PA_ROOT/deploy/lib/journey.sh"
# shellcheck source=deploy/lib/stack.sh
. "$PA_ROOT/deploy/lib/stack.sh"
cd "$PA_ROOT"

TAG=check
RUN=/tmp/pa-images
DB=patient_access_images
VHOST=pa-images
TP_PORT=18581 CONSENT_PORT=18582 SYNC_PORT=18583 CONSOLE_PORT=18584 WORKER_PORT=18585
SMTP_PORT=18525 MAIL_PORT=18526 SIM_PORT=18540 SIM_TLS_PORT=18543
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PA_ROOT/deploy/container/containers.conf}
command -v podman >/dev/null || die "podman not found (apt-get install podman runc)"
command -v jq >/dev/null || die "jq not found (apt-get install jq)"

cleanup() {
    local status=$?
    if [ "${IMAGES_KEEP:-}" != 1 ]; then
        podman ps -aq --filter name=pa-images- | xargs -r podman rm -f >/dev/null 2>&1 || true
    fi
    stack_kill_pidfiles "$RUN"
    if [ "$status" -eq 0 ] && [ "${IMAGES_KEEP:-}" != 1 ]; then
        psql "postgres://postgres@127.0.0.1:5432/postgres" -qAt -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
        as_root rabbitmqctl -q delete_vhost "$VHOST" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
podman ps -aq --filter name=pa-images- | xargs -r podman rm -f >/dev/null 2>&1 || true
rm -rf "$RUN"
mkdir -p "$RUN/env" "$RUN/logs" "$RUN/mail"
chmod 700 "$RUN/env"
J_TIMINGS="$RUN/timings.tsv"
: >"$J_TIMINGS"

# --- 1. manifests and images --------------------------------------------------------------------
step "rendering the Kubernetes overlays (make k8s-validate)"
stack_render "$RUN/logs/k8s-validate.log"
info "target/k8s/local.yaml rendered and valid"

step "building the images (deploy/container/build.sh --tag $TAG)"
build_args=(--tag "$TAG")
if [ "${IMAGES_NO_CARGO:-}" = 1 ]; then build_args+=(--no-cargo); else build_args+=(--git "${IMAGES_REV:-HEAD}"); fi
build_start=$SECONDS
bash deploy/container/build.sh "${build_args[@]}"
build_secs=$((SECONDS - build_start))

# --- 2. infrastructure of its own ----------------------------------------------------------------
step "infrastructure: database $DB, RabbitMQ vhost $VHOST, smtp-sink, entra-sim"
port_open 127.0.0.1 5432 || die "PostgreSQL is not running on 127.0.0.1:5432 (make up or deploy/local/ensure-infra.sh)"
port_open 127.0.0.1 5672 || die "RabbitMQ is not running on 127.0.0.1:5672"
for port in $TP_PORT $CONSENT_PORT $SYNC_PORT $CONSOLE_PORT $WORKER_PORT $SMTP_PORT $MAIL_PORT $SIM_PORT $SIM_TLS_PORT; do
    port_open 127.0.0.1 "$port" && die "port $port is in use (another images-check still running?)"
done
SUPER="postgres://postgres@127.0.0.1:5432"
psql "$SUPER/postgres" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB OWNER pa_owner" >/dev/null
psql "$SUPER/postgres" -qAt -v ON_ERROR_STOP=1 -f deploy/postgres/bootstrap-roles.sql >/dev/null
psql "$SUPER/$DB" -qAt -v ON_ERROR_STOP=1 -f deploy/postgres/bootstrap-database.sql >/dev/null
stack_reset_vhost "$VHOST"
info "database $DB bootstrapped (deploy/postgres), vhost $VHOST created"

cargo build -q -p entra-sim -p smtp-sink --bins
stack_sink_and_sim "$RUN" $SMTP_PORT $MAIL_PORT $SIM_PORT $SIM_TLS_PORT \
    "http://127.0.0.1:$CONSENT_PORT/consent/callback,http://127.0.0.1:$CONSOLE_PORT/auth/callback"

# --- 3. settings: the manifests' own, re-pointed at this host ------------------------------------
# envfile WORKLOAD [KEY=VALUE...]: RUN/env/WORKLOAD.env, the overlay's settings with overrides.
envfile() {
    local workload=$1
    (umask 077 && stack_env "$@" >"$RUN/env/$workload.env")
}
db_url() { stack_db_url "$1" "$2" 127.0.0.1:5432 "$DB"; }
AMQP="amqp://guest:guest@127.0.0.1:5672/$VHOST"
SIM_URLS=(ENTRA__LOGIN_BASE_URL="https://127.0.0.1:$SIM_TLS_PORT" ENTRA__GRAPH_BASE_URL="https://127.0.0.1:$SIM_TLS_PORT/graph")
common() { # PREFIX PORT WORKLOAD
    echo "$1HTTP__BIND=127.0.0.1:$2" "$1HTTP__PUBLIC_BASE_URL=http://127.0.0.1:$2" \
        "$1DATABASE__URL=$(db_url "$3" "$1DATABASE__URL")" "$1AMQP__URL=$AMQP"
}
entra() { # PREFIX
    echo "$1${SIM_URLS[0]}" "$1${SIM_URLS[1]}" "$1ENTRA__CLIENT_ID=$STACK_SIM_CLIENT_ID" \
        "$1ENTRA__CREDENTIAL__SECRET=$STACK_SIM_SECRET"
}
# shellcheck disable=SC2046 # word splitting of the helpers' KEY=VALUE lists is intended
{
    envfile pa-migrate "PA_MIGRATE_DATABASE_URL=$(db_url pa-migrate PA_MIGRATE_DATABASE_URL)"
    envfile tenant-provisioning $(common PA_TP_ $TP_PORT tenant-provisioning) \
        PA_TP_SMTP__HOST=127.0.0.1 PA_TP_SMTP__PORT=$SMTP_PORT \
        "PA_TP_SETUP_LINKS__WIZARD_BASE_URL=http://127.0.0.1:$CONSENT_PORT"
    envfile consent $(common PA_CONSENT_ $CONSENT_PORT consent) $(entra PA_CONSENT_) \
        PA_CONSENT_SMTP__HOST=127.0.0.1 PA_CONSENT_SMTP__PORT=$SMTP_PORT \
        "PA_CONSENT_WIZARD__FRONTEND_URL=http://127.0.0.1:$CONSENT_PORT/setup" \
        "PA_CONSENT_CONSOLE__BASE_URL=http://127.0.0.1:$CONSOLE_PORT" \
        "PA_CONSENT_EGRESS__MANIFEST_URL=http://127.0.0.1:$TP_PORT/v1/egress-ips"
    envfile sync-dispatch $(common PA_SYNC_ $SYNC_PORT sync-dispatch) $(entra PA_SYNC_)
    envfile sync-dispatch-worker $(common PA_SYNC_ $WORKER_PORT sync-dispatch-worker) $(entra PA_SYNC_)
    envfile admin-console $(common PA_CONSOLE_ $CONSOLE_PORT admin-console) $(entra PA_CONSOLE_) \
        "PA_CONSOLE_CONSOLE__FRONTEND_URL=http://127.0.0.1:$CONSOLE_PORT/"
}

# run_image NAME IMAGE [ARGS...]: a detached container as Kubernetes runs the pods, with the
# Deployment's CPU and memory limits.
run_image() {
    local name=$1 image=$2 limits
    shift 2
    read -r -a limits <<<"$("$STACK_PY" deploy/container/k8s-env.py --limits "$STACK_RENDERED" "$name")"
    podman run -d --name "pa-images-$name" --network host --read-only --cap-drop ALL \
        --security-opt no-new-privileges --user 65532:65532 "${limits[@]}" \
        --env-file "$RUN/env/$name.env" -v "$RUN/entra-sim-ca.pem:/etc/pa/entra-sim/ca.pem:ro" \
        "localhost/patient-access/$image:$TAG" "$@" >/dev/null
}

# --- 4. migration and services from the images ---------------------------------------------------
step "migrating $DB from the pa-migrate image"
podman run --rm --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
    --env-file "$RUN/env/pa-migrate.env" "localhost/patient-access/pa-migrate:$TAG" | sed 's/^/    /'

step "starting the services from their images"
start=$SECONDS
run_image tenant-provisioning tenant-provisioning serve
run_image consent consent serve
run_image sync-dispatch sync-dispatch serve
run_image sync-dispatch-worker sync-dispatch serve
run_image admin-console admin-console serve
for entry in tenant-provisioning:$TP_PORT consent:$CONSENT_PORT sync-dispatch:$SYNC_PORT \
    sync-dispatch-worker:$WORKER_PORT admin-console:$CONSOLE_PORT; do
    name=${entry%%:*} port=${entry##*:}
    if ! wait_for "$name (container pa-images-$name, :$port/readyz)" 60 \
        curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/readyz"; then
        podman logs --tail 40 "pa-images-$name" >&2 || true
        die "$name did not become ready"
    fi
done
ready_secs=$((SECONDS - start))
curl -fsS "http://127.0.0.1:$CONSENT_PORT/setup" | grep -q '<div id="root">' ||
    die "consent does not serve the wizard front-end from /web"
curl -fsS "http://127.0.0.1:$CONSOLE_PORT/" | grep -q '<div id="root">' ||
    die "admin-console does not serve the console front-end from /web"
info "both front-ends served from the images' /web"

# --- 5. the journey through the images -----------------------------------------------------------
step "the journey"
J_TP=http://127.0.0.1:$TP_PORT J_CONSENT=http://127.0.0.1:$CONSENT_PORT J_SYNC=http://127.0.0.1:$SYNC_PORT
J_CONSOLE=http://127.0.0.1:$CONSOLE_PORT J_MAIL=http://127.0.0.1:$MAIL_PORT
J_SIM=http://127.0.0.1:$SIM_PORT J_SIM_CA=$RUN/entra-sim-ca.pem
J_KEY=$(podman run --rm --network host --env-file "$RUN/env/tenant-provisioning.env" \
    "localhost/patient-access/tenant-provisioning:$TAG" create-operator-key --name images-check 2>/dev/null)
[ -n "$J_KEY" ] || die "create-operator-key printed no key"
info "operator key created with the tenant-provisioning image (create-operator-key)"
journey_timed "provision → setup mail → wizard → tenant active" journey_wizard "$RUN/logs/walkthrough.log"
journey_timed "first full sync" journey_first_sync
journey_timed "administrator signs in" journey_signin
journey_timed "users visible with roles" journey_users_visible
journey_timed "leaver deactivated" journey_leaver

# --- 6. figures ----------------------------------------------------------------------------------
step "images-check passed"
printf '    %-44s %s\n' "release build + images (s)" "$build_secs" "services ready after start (s)" "$ready_secs"
for b in tenant-provisioning consent sync-dispatch admin-console pa-migrate; do
    size=$(podman image inspect --format '{{.Size}}' "localhost/patient-access/$b:$TAG")
    printf '    %-44s %s\n' "image patient-access/$b:$TAG (MiB)" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')"
done
while IFS=$'\t' read -r name secs; do
    printf '    %-44s %s\n' "$name (s)" "$secs"
done <"$J_TIMINGS"
for name in tenant-provisioning consent sync-dispatch sync-dispatch-worker admin-console; do
    printf '    %-44s %s\n' "memory of pa-images-$name (now / limit)" \
        "$(podman stats --no-stream --format '{{.MemUsage}}' "pa-images-$name" 2>/dev/null || echo '?')"
done
for name in tenant-provisioning consent sync-dispatch sync-dispatch-worker admin-console; do
    if podman logs "pa-images-$name" 2>&1 | grep -Eq '"level":"ERROR"|ERROR'; then
        warn "pa-images-$name logged errors (podman logs pa-images-$name)"
    fi
done
