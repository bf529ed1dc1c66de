"""schemathesis hooks of deploy/local/contract-check.sh.

Idempotency-Key: a client sends a fresh key per logical request. schemathesis reuses generated
header values (`0`, `00`, …) across requests with different bodies, which the API rightly answers
with 422 `idempotency_key_reused` (documented) — a finding about the fuzzer, not the server. Every
well-formed key (the contract's pattern) is therefore replaced by a fresh UUID before the call;
malformed keys (the negative tests of the header) are sent as generated.
"""

import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) \
                and WELL_FORMED.match(headers[name]):
            headers[name] = str(uuid.uuid4())
