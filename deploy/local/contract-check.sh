#!/usr/bin/env bash
# The contract checks (issue 18), against the committed contracts and a running `make up` stack:
#   1. tools: a Python venv under target/contract-venv (pinned schemathesis, openapi-python-client:
#      tests/contract/requirements.txt) and npm tools under target/contract-tools (pinned
#      @stoplight/spectral-cli, @redocly/cli, openapi-typescript, openapi-fetch, typescript:
#      tests/contract/package.json + package-lock.json)
#   2. lint: every openapi/*.json with Spectral's (spectral:oas) and Redocly's (recommended)
#      rulesets — tests/contract/.spectral.yaml and redocly.yaml; warnings fail too
#   3. credentials through the public APIs (tests/contract/stack.py): an operator key, a wizard
#      session from a fresh setup link, a console session (simulator sign-in) and an Admin API token
#   4. schemathesis (all checks, every phase incl. stateful; tests/contract/schemathesis.toml)
#      against each of the four services; any finding fails
#   5. clients GENERATED from the committed contracts — openapi-python-client (Python) and
#      openapi-typescript + openapi-fetch (TypeScript) — drive the vendor part (provision, list,
#      suspend/resume with and without a body) and the console part (session, users, groups,
#      sync status) of the journey (tests/contract/journey.py, journey.ts)
#
#   bash deploy/local/contract-check.sh [lint|fuzz|clients]...   (default: all three)
#
# Settings: CONTRACT_MAX_EXAMPLES (schemathesis examples per operation, default 25).
# Output: target/contract/ (schemathesis JUnit + NDJSON reports per service, summary.txt).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PA_ROOT"

VENV="$PA_ROOT/target/contract-venv"
TOOLS="$PA_ROOT/target/contract-tools"
OUT="$PA_ROOT/target/contract"
CFG="$PA_ROOT/tests/contract"
SERVICES=("tenant-provisioning|8081" "consent|8082" "sync-dispatch|8083" "admin-console|8084")
WHAT=("$@")
[ ${#WHAT[@]} -gt 0 ] || WHAT=(lint fuzz clients)
wants() { local w; for w in "${WHAT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

step "contract tools (target/contract-venv, target/contract-tools)"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! cmp -s "$CFG/requirements.txt" "$VENV/.requirements.txt"; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$CFG/requirements.txt"
    cp "$CFG/requirements.txt" "$VENV/.requirements.txt"
fi
mkdir -p "$TOOLS"
if ! cmp -s "$CFG/package-lock.json" "$TOOLS/package-lock.json" || [ ! -d "$TOOLS/node_modules" ]; then
    cp "$CFG/package.json" "$CFG/package-lock.json" "$TOOLS/"
    (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
fi
BIN="$TOOLS/node_modules/.bin"
rm -rf "$OUT" && mkdir -p "$OUT"
failed=()

if wants lint; then
    step "lint: Spectral (spectral:oas) and Redocly (recommended)"
    for f in openapi/*.json; do
        if "$BIN/spectral" lint --quiet --fail-severity=warn -r "$CFG/.spectral.yaml" "$f"; then
            echo "   spectral  $f: no problems"
        else
            failed+=("spectral $f")
        fi
        if (cd "$CFG" && "$BIN/redocly" lint --format=stylish --max-problems=50 "../../$f" \
            --config redocly.yaml >"$OUT/redocly-$(basename "$f" .json).txt" 2>&1) &&
            ! grep -qE '(warning|error) +' "$OUT/redocly-$(basename "$f" .json).txt"; then
            echo "   redocly   $f: no problems"
        else
            cat "$OUT/redocly-$(basename "$f" .json).txt"
            failed+=("redocly $f")
        fi
    done
fi

if wants fuzz || wants clients; then
    step "credentials through the public APIs (tests/contract/stack.py)"
    for svc in "${SERVICES[@]}"; do
        curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:${svc##*|}/readyz" ||
            die "${svc%%|*} does not answer on :${svc##*|} — start the stack with make up"
    done
    CREDS="$OUT/credentials.json"
    credentials() {
        # The fuzzers try bad setup tokens from this address, and consent then refuses it for a
        # while (too_many_attempts, 15 min), valid tokens included: the local stack forgets it.
        psql -q "postgres://pa_owner:pa_owner@127.0.0.1:5432/patient_access?sslmode=disable" \
            -c "DELETE FROM consent_start_failures WHERE client_addr = '127.0.0.1'" >/dev/null
        "$VENV/bin/python" "$CFG/stack.py" credentials "$CREDS"
    }
    credentials
    cred() { "$VENV/bin/python" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$CREDS" "$1"; }
fi

if wants fuzz; then
    step "schemathesis: all checks, every phase, against each service"
    first=true
    for svc in "${SERVICES[@]}"; do
        name=${svc%%|*} port=${svc##*|}
        # Each fuzzer gets credentials nobody has fuzzed yet: tenant-provisioning's run may
        # regenerate the setup link of the wizard's tenant or suspend the console's, and a
        # fuzzer may revoke its own key or end its own session.
        if [ "$first" = true ]; then
            first=false
        else
            credentials >"$OUT/credentials-$name.log" 2>&1 ||
                { cat "$OUT/credentials-$name.log"; die "credentials for the $name run failed"; }
        fi
        PA_CONTRACT_OPERATOR_KEY=$(cred operator_key)
        PA_CONTRACT_WIZARD_SESSION=$(cred "wizard['cookie'].split('=', 1)[1]")
        PA_CONTRACT_WIZARD_CSRF=$(cred "wizard['csrf']")
        PA_CONTRACT_CONSOLE_SESSION=$(cred "console['cookie'].split('=', 1)[1]")
        export PA_CONTRACT_OPERATOR_KEY PA_CONTRACT_WIZARD_SESSION PA_CONTRACT_WIZARD_CSRF PA_CONTRACT_CONSOLE_SESSION
        headers=()
        if [ "$name" = admin-console ]; then
            # The console's CSRF token is a documented header parameter of each state change, not
            # a security scheme: the session's value is sent with every request.
            headers=(-H "X-CSRF-Token: $(cred "console['csrf']")")
        fi
        echo "   $name (:$port)"
        if PYTHONPATH="$CFG" "$VENV/bin/schemathesis" --config-file "$CFG/schemathesis.toml" run "openapi/$name.json" \
            --url "http://127.0.0.1:$port" "${headers[@]}" \
            --max-examples "${CONTRACT_MAX_EXAMPLES:-25}" --output-sanitize true \
            --report junit,ndjson --report-dir "$OUT/$name" >"$OUT/$name.log" 2>&1; then
            tail -n 8 "$OUT/$name.log" | sed 's/^/      /'
        else
            tail -n 60 "$OUT/$name.log" | sed 's/^/      /'
            failed+=("schemathesis $name")
        fi
    done
fi

if wants clients; then
    step "clients generated from the committed contracts drive the journey"
    if wants fuzz; then
        # The fuzzers may have revoked the tokens, ended the sessions or suspended the tenants
        # they were given.
        credentials
    fi
    GEN="$OUT/clients"
    mkdir -p "$GEN"
    for pair in tenant-provisioning:tp_client admin-console:console_client; do
        name=${pair%%:*}
        "$VENV/bin/openapi-python-client" generate --path "openapi/$name.json" \
            --config "$CFG/openapi-python-client.yaml" \
            --output-path "$GEN/python/${pair##*:}" --meta none --overwrite >"$OUT/generate-$name.log" 2>&1 ||
            { cat "$OUT/generate-$name.log"; die "openapi-python-client could not generate $name"; }
        "$BIN/openapi-typescript" "openapi/$name.json" -o "$GEN/ts/$name.ts" >/dev/null 2>&1
    done
    if PYTHONPATH="$GEN/python" CREDENTIALS="$CREDS" "$VENV/bin/python" "$CFG/journey.py"; then
        echo "   python client: journey passed"
    else
        failed+=("python client journey")
    fi
    cp "$CFG/journey.ts" "$CFG/tsconfig.json" "$CFG/package.json" "$GEN/ts/"
    (cd "$GEN/ts" && ln -sfn "$TOOLS/node_modules" node_modules &&
        "$BIN/tsc" -p tsconfig.json) || die "the TypeScript journey does not type-check against the generated types"
    if CREDENTIALS="$CREDS" node "$GEN/ts/out/journey.js"; then
        echo "   typescript client: journey passed"
    else
        failed+=("typescript client journey")
    fi
fi

if [ ${#failed[@]} -gt 0 ]; then
    printf '\ncontract check FAILED: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\ncontract check passed (%s)\n' "${WHAT[*]}"
