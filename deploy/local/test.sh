#!/usr/bin/env bash
# `make test`: every test of the repository against the real PostgreSQL and RabbitMQ.
#   1. infrastructure exactly as for `make up` (deploy/local/ensure-infra.sh)
#   2. cargo-nextest (installed only when missing)
#   3. all Rust tests except the fault tests, in parallel (unit, integration, pa-e2e journeys)
#   4. the fault tests (named fault_…: they stop/restart RabbitMQ or PostgreSQL), one at a time
#   5. against the local stack (`make up`, stopped again afterwards): the web front-end's tests
#      (services/web/scripts/test.sh: vitest, Playwright journeys in Debian's Chromium, axe)
#      and the contract checks (deploy/local/contract-check.sh: Spectral + Redocly lint,
#      schemathesis against every service, generated Python/TypeScript clients)
#   6. the Kubernetes manifests (make k8s-validate) and the disaster-recovery drill (make dr-drill)
# Nextest profile: `ci` when CI=true (no retries, JUnit under target/nextest/), else `default`;
# override with PA_NEXTEST_PROFILE. Extra arguments go to both nextest runs; with -p/--package
# they replace --workspace and steps 5–6 are skipped (e.g. `make test ARGS="-p smtp-sink"`).
# PA_TEST_SKIP="web contract k8s dr" skips steps by name.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PA_ROOT"

bash "$PA_ROOT/deploy/local/ensure-infra.sh"

command -v cargo >/dev/null 2>&1 ||
    die "cargo not found: install Rust with rustup (https://rustup.rs); rust-toolchain.toml pins the version"
if ! cargo nextest --version >/dev/null 2>&1; then
    step "installing cargo-nextest (cargo install cargo-nextest --locked)"
    cargo install cargo-nextest --locked
fi

if [ -n "${PA_NEXTEST_PROFILE:-}" ]; then
    profile=$PA_NEXTEST_PROFILE
elif [ "${CI:-}" = true ]; then
    profile=ci
else
    profile=default
fi
# The fault pass writes its own JUnit file (profile ci-fault), so it doesn't overwrite the first.
fault_profile=$profile
if [ "$profile" = ci ]; then fault_profile=ci-fault; fi

scope=(--workspace)
for arg in "$@"; do
    case "$arg" in
    -p | -p* | --package | --package=*) scope=() ;;
    esac
done
skip=" ${PA_TEST_SKIP:-} "
wants() { [ "${#scope[@]}" -gt 0 ] && [[ "$skip" != *" $1 "* ]]; }

step "tests (nextest profile $profile; fault tests excluded)"
cargo nextest run "${scope[@]}" --profile "$profile" --no-tests=warn -E 'not test(/^fault_/)' "$@"

step "fault tests, one at a time (they stop and restart RabbitMQ/PostgreSQL)"
status=0
cargo nextest run "${scope[@]}" --profile "$fault_profile" --no-tests=pass -E 'test(/^fault_/)' -j 1 "$@" ||
    status=$?
# A fault test that failed half-way may have left the broker or the database stopped.
bash "$PA_ROOT/deploy/local/ensure-infra.sh" >/dev/null
if [ "$status" -ne 0 ]; then
    die "fault tests failed (exit $status)"
fi

# After a failed web step, with the stack stopped: the services' last warnings, then what
# failed, printed last (a CI log is often read from its tail only).
web_failure_report() {
    local log junit="$PA_ROOT/services/web/test-results/junit.xml"
    printf '\n==> web failure report (full logs: .run/logs/, services/web/test-results/)\n' >&2
    for log in "$PA_RUN"/logs/*.log; do
        [ -f "$log" ] || continue
        printf -- '--- %s: last warnings/errors ---\n' "${log##*/}" >&2
        sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '\b(WARN|ERROR)\b' | tail -n 4 | cut -c1-300 >&2 || true
    done
    if [ -f "$junit" ]; then
        printf -- '--- failed journeys ---\n' >&2
        grep -A 14 '<failure' "$junit" | sed -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' \
            -e 's/&amp;/\&/g' -e 's/\x1b\[[0-9;]*m//g' | grep -v '^\s*$' | head -n 40 >&2 || true
    fi
}

if wants web || wants contract; then
    step "the local stack for the browser and contract tests (make up)"
    bash "$PA_ROOT/deploy/local/up.sh" >"$PA_ROOT/target/test-make-up.log" 2>&1 || {
        tail -n 40 "$PA_ROOT/target/test-make-up.log" >&2
        die "make up failed (log: target/test-make-up.log)"
    }
    trap 'bash "$PA_ROOT/deploy/local/down.sh" --quiet' EXIT
    if wants web; then
        step "web front-end: vitest, Playwright journeys in Chromium, axe (services/web/scripts/test.sh)"
        bash "$PA_ROOT/services/web/scripts/test.sh" || {
            bash "$PA_ROOT/deploy/local/down.sh" --quiet
            trap - EXIT
            web_failure_report
            die "web front-end tests failed"
        }
    fi
    if wants contract; then
        step "contracts: lint, schemathesis against every service, generated clients (deploy/local/contract-check.sh)"
        bash "$PA_ROOT/deploy/local/contract-check.sh"
    fi
    bash "$PA_ROOT/deploy/local/down.sh" --quiet
    trap - EXIT
fi
if wants k8s; then
    step "Kubernetes manifests (make k8s-validate)"
    bash "$PA_ROOT/deploy/k8s/validate.sh"
fi
if wants dr; then
    step "disaster-recovery drill (make dr-drill)"
    make -C "$PA_ROOT" --no-print-directory dr-drill
fi
step "all tests passed"
