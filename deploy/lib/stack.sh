# shellcheck shell=bash
# Helpers for the scripts that run a Patient Access stack of their own on their own ports
# (deploy/container/images-check.sh, deploy/dr/drill.sh). Sourced after deploy/local/lib.sh.
# The services get the settings the local Kubernetes overlay gives their Deployments
# (target/k8s/local.yaml, rendered by deploy/k8s/validate.sh), re-pointed at this host: one
# source for every service's settings, database role and password included.

STACK_RENDERED="$PA_ROOT/target/k8s/local.yaml"
STACK_PY="$PA_ROOT/target/k8s/tools/bin/python"

# stack_render: renders and validates the overlays (make k8s-validate), quietly.
stack_render() {
    local log=$1
    bash "$PA_ROOT/deploy/k8s/validate.sh" >"$log" 2>&1 || {
        cat "$log" >&2
        die "make k8s-validate failed"
    }
}

# stack_env WORKLOAD [KEY=VALUE | KEY- ...]: the environment the local overlay gives WORKLOAD,
# with overrides, as KEY=VALUE lines (deploy/container/k8s-env.py refuses an override of a key
# the manifests do not set, so a renamed setting cannot slip through).
stack_env() {
    "$STACK_PY" "$PA_ROOT/deploy/container/k8s-env.py" "$STACK_RENDERED" "$@"
}

# stack_db_url WORKLOAD KEY HOST:PORT DATABASE: the manifest's database URL (its role and
# password) pointed at another server and database.
stack_db_url() {
    stack_env "$1" | sed -n "s/^$2=//p" |
        sed -E "s#@[^/@]+/[a-z_]+\\?#@$3/$4?#"
}

# stack_reset_vhost VHOST: a fresh, empty RabbitMQ vhost the guest user may use.
stack_reset_vhost() {
    as_root rabbitmqctl -q delete_vhost "$1" >/dev/null 2>&1 || true
    as_root rabbitmqctl -q add_vhost "$1" >/dev/null
    as_root rabbitmqctl -q set_permissions -p "$1" guest '.*' '.*' '.*' >/dev/null
}

# stack_sink_and_sim RUN SMTP_PORT MAIL_PORT SIM_PORT SIM_TLS_PORT REDIRECT_URIS: smtp-sink and
# entra-sim (seeded demo directory) from the host's debug binaries, pid files in RUN; the
# simulator's CA in RUN/entra-sim-ca.pem. Sets STACK_SIM_CLIENT_ID and STACK_SIM_SECRET.
stack_sink_and_sim() {
    local run=$1 smtp=$2 mail=$3 sim=$4 sim_tls=$5 redirects=$6
    setsid nohup "$PA_ROOT/target/debug/smtp-sink" --smtp "127.0.0.1:$smtp" --http "127.0.0.1:$mail" \
        --dir "$run/mail" </dev/null >"$run/logs/smtp-sink.log" 2>&1 &
    echo $! >"$run/smtp-sink.pid"
    setsid nohup "$PA_ROOT/target/debug/entra-sim" --bind "127.0.0.1:$sim" --https-bind "127.0.0.1:$sim_tls" \
        --ca-out "$run/entra-sim-ca.pem" --seed-demo --redirect-uris "$redirects" \
        </dev/null >"$run/logs/entra-sim.log" 2>&1 &
    echo $! >"$run/entra-sim.pid"
    wait_for "smtp-sink (:$smtp, read API :$mail)" 30 curl -fsS -o /dev/null "http://127.0.0.1:$mail/healthz" ||
        die "smtp-sink did not start ($run/logs/smtp-sink.log)"
    wait_for "entra-sim (:$sim, https :$sim_tls)" 30 curl -fsS -o /dev/null "http://127.0.0.1:$sim/_sim/info" ||
        die "entra-sim did not start ($run/logs/entra-sim.log)"
    wait_for "entra-sim CA" 10 test -s "$run/entra-sim-ca.pem" || die "entra-sim wrote no CA"
    chmod 644 "$run/entra-sim-ca.pem"
    local app
    app=$(curl -fsS "http://127.0.0.1:$sim/_sim/app")
    # shellcheck disable=SC2034 # for the caller
    STACK_SIM_CLIENT_ID=$(jq -r .client_id <<<"$app")
    # shellcheck disable=SC2034 # for the caller
    STACK_SIM_SECRET=$(jq -r .client_secret <<<"$app")
}

# stack_kill_pidfiles DIR: stops (TERM, then KILL after 10 s) the process groups in DIR/*.pid.
stack_kill_pidfiles() {
    local pidfile pid
    for pidfile in "$1"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pidfile in "$1"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}
