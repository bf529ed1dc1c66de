#!/usr/bin/env bash
# `make test`: every test of the workspace against the real PostgreSQL and RabbitMQ.
#   1. infrastructure exactly as for `make up` (deploy/local/ensure-infra.sh)
#   2. cargo-nextest (installed only when missing)
#   3. all tests except the fault tests, in parallel
#   4. the fault tests (named fault_…: they stop/restart RabbitMQ or PostgreSQL), one at a time
# Nextest profile: `ci` when CI=true (no retries, JUnit under target/nextest/), else `default`;
# override with PA_NEXTEST_PROFILE. Extra arguments go to both nextest runs; with -p/--package
# they replace --workspace (e.g. `make test ARGS="-p smtp-sink"`).
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
step "all tests passed"
