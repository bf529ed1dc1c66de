# shellcheck shell=bash
# Helpers shared by deploy/local/*.sh (sourced, not executed).

# Repository root, whatever the caller's working directory.
PA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PA_ROOT
# Runtime state of the local stack: logs, pid files, mail, env files. Ignored by git.
PA_RUN="$PA_ROOT/.run"
export PA_RUN

# Debian keeps pg_ctlcluster, rabbitmq-server and rabbitmqctl in sbin, which a normal user's
# PATH may lack.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH="$PATH:/usr/sbin:/sbin" ;;
esac
export PATH

if [ -t 1 ]; then
    _pa_bold=$'\033[1m' _pa_red=$'\033[31m' _pa_yellow=$'\033[33m' _pa_reset=$'\033[0m'
else
    _pa_bold='' _pa_red='' _pa_yellow='' _pa_reset=''
fi

step() { printf '%s==> %s%s\n' "$_pa_bold" "$*" "$_pa_reset"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$_pa_yellow" "$_pa_reset" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$_pa_red" "$_pa_reset" "$*" >&2
    exit 1
}

# Runs a command as root: directly when we are root, else through sudo (non-interactive when
# there is no terminal, so CI fails fast instead of hanging on a password prompt).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root for: $* (install sudo or run as root)"
    fi
}

# True when something accepts TCP connections on host:port (bash /dev/tcp, no extra tools).
port_open() {
    local host=$1 port=$2
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: retries COMMAND every 0.5 s.
wait_for() {
    local what=$1 timeout=$2
    shift 2
    local deadline=$((SECONDS + timeout))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.5
    done
    info "$what: ready"
}
