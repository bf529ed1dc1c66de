#!/usr/bin/env bash
# `make down`: stops the processes `make up` started (pid files in .run/pids/). PostgreSQL and
# RabbitMQ keep running: `make test` and other checkouts share them.
#   --quiet   say nothing when there is nothing to stop (used by up.sh)
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

quiet=false
if [ "${1:-}" = --quiet ]; then quiet=true; fi

# True when PID is alive and runs a binary from this checkout's target/ (so a recycled pid that
# now belongs to something else is never signalled).
ours() {
    local pid=$1 exe
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    case "$exe" in
    "$PA_ROOT"/target/*) return 0 ;;
    *) return 1 ;;
    esac
}

stop() {
    local pidfile=$1 name pid
    name=$(basename "$pidfile" .pid)
    pid=$(cat "$pidfile" 2>/dev/null || true)
    rm -f "$pidfile"
    if [ -z "$pid" ] || ! ours "$pid"; then
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || return 0
    local waited=0
    while ours "$pid"; do
        if [ "$waited" -ge 100 ]; then
            warn "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    info "stopped $name (pid $pid)"
}

shopt -s nullglob
pidfiles=("$PA_RUN"/pids/*.pid)
if [ "${#pidfiles[@]}" -eq 0 ]; then
    [ "$quiet" = true ] || info "nothing to stop (no pid files in .run/pids/)"
    exit 0
fi
step "stopping the local stack"
for pidfile in "${pidfiles[@]}"; do
    stop "$pidfile"
done
[ "$quiet" = true ] || info "PostgreSQL and RabbitMQ are left running (shared with make test)."
