#!/usr/bin/env bash
# The web front-end's tests, against an already running local stack (`make up`):
#   1. installs what is missing: Debian's chromium + fonts (never a downloaded browser), npm ci
#   2. checks the generated API client is fresh (fails when openapi/*.json changed without it)
#   3. lint + typecheck + build (dist/ is what consent and admin-console serve)
#   4. vitest (units), then Playwright journeys + axe + screenshots against the stack
# Env: PA_WEB_SKIP_E2E=1 runs 1–3 and the units only; PA_WEB_BENCH=1 also runs the Users-tab
# benchmark (a 100,000-user directory; slow).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n==> %s\n' "$*"; }

if [ ! -x /usr/lib/chromium/chromium ] || ! fc-list 2>/dev/null | grep -qi liberation; then
    say "installing chromium and fonts (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund
fi

say "generated client is fresh"
npm run --silent generate:check

say "lint, typecheck, build"
npm run --silent lint
npm run --silent build
npm run --silent bundle-size

say "unit tests (vitest)"
npx vitest run

if [ "${PA_WEB_SKIP_E2E:-}" = 1 ]; then
    echo "PA_WEB_SKIP_E2E=1: browser journeys skipped"
    exit 0
fi

say "browser journeys (Playwright + axe, against the running stack)"
npx playwright test --project=journeys
if [ "${PA_WEB_BENCH:-}" = 1 ]; then
    say "Users-tab benchmark"
    npx playwright test --project=bench
fi
