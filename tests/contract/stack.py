"""Credentials for the contract checks, obtained from a running `make up` stack through its
public APIs (and the operator CLI for the first key), the way a partner or a browser gets them.

    python stack.py credentials OUT.json

writes {"operator_key", "wizard": {"cookie", "csrf"}, "console": {"tenant", "cookie", "csrf",
"api_token"}} — every value a secret: OUT.json is created mode 0600.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlparse

import requests

ROOT = Path(__file__).resolve().parents[2]
RUN = Path(os.environ.get("PA_RUN", ROOT / ".run"))
TP = os.environ.get("TP", "http://127.0.0.1:8081")
CONSENT = os.environ.get("CONSENT", "http://127.0.0.1:8082")
CONSOLE = os.environ.get("CONSOLE", "http://127.0.0.1:8084")
MAIL = os.environ.get("MAIL", "http://127.0.0.1:8025")
SIM_CA = str(RUN / "entra-sim-ca.pem")
ADMIN_UPN = os.environ.get("ADMIN_UPN", "avery.admin@contosohealth.onmicrosoft.com")
TOKEN_RE = re.compile(r"pa_setup_[A-Za-z0-9_-]{43}")


def log(msg: str) -> None:
    print(f"   {msg}", file=sys.stderr, flush=True)


def operator_key(name: str) -> str:
    """A new operator key from the operator CLI, with the settings the stack started it with."""
    env = dict(os.environ)
    for line in (RUN / "env" / "tenant-provisioning.env").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    out = subprocess.run(
        [str(ROOT / "target/debug/tenant-provisioning"), "create-operator-key", "--name", name],
        env=env, check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def provision(key: str, label: str) -> tuple[str, str]:
    """Provisions a non-production tenant; returns (tenant id, contact address)."""
    contact = f"contract-{label}-{uuid.uuid4().hex[:12]}@contoso-health.example"
    r = requests.post(
        f"{TP}/v1/tenants",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        json={"display_name": f"Contract check ({label})", "contact_email": contact,
              "environment": "non_production"},
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["id"], contact


def setup_token(contact: str) -> str:
    """The setup-link token mailed to `contact`, from the SMTP sink."""
    for _ in range(150):
        msgs = requests.get(f"{MAIL}/messages", params={"to": contact}, timeout=5).json()
        for m in msgs:
            found = TOKEN_RE.search(m.get("text_body") or "")
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise SystemExit(f"no setup mail to {contact}")


def wizard_session(key: str) -> dict:
    """A wizard session (cookie + CSRF token) from a fresh setup link."""
    _tenant, contact = provision(key, "wizard")
    s = requests.Session()
    r = s.post(f"{CONSENT}/v1/wizard/sessions", json={"token": setup_token(contact)}, timeout=10)
    r.raise_for_status()
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    return {"cookie": cookie, "csrf": r.json()["session"]["csrf_token"]}


def walkthrough(key: str) -> str:
    """Runs the consent walkthrough (a tenant set up to the end); returns the tenant id."""
    out = subprocess.run(
        ["bash", str(ROOT / "services/consent/walkthrough.sh")],
        env={**os.environ, "PA_KEY": key}, check=True, capture_output=True, text=True,
    )
    found = re.search(r"tenant ([0-9a-f-]{36})", out.stdout)
    if not found:
        raise SystemExit("walkthrough.sh printed no tenant id:\n" + out.stdout[-2000:])
    return found.group(1)


def console_session(tenant: str, upn: str = ADMIN_UPN, attempts: int = 150) -> requests.Session:
    """Signs `upn` in to admin-console through the simulator (login → authorize → callback).
    Retries until the first sync has brought the administrator in."""
    last = ""
    for _ in range(attempts):
        s = requests.Session()
        r = s.get(f"{CONSOLE}/auth/login", params={"tenant": tenant, "login_hint": upn},
                  allow_redirects=False, timeout=10)
        if r.status_code != 302:
            last = f"login {r.status_code} {r.text[:200]}"
            time.sleep(0.3)
            continue
        auth = requests.get(r.headers["location"], allow_redirects=False, verify=SIM_CA, timeout=10)
        if auth.status_code != 302:
            raise SystemExit(f"the simulator did not redirect back: {auth.status_code}")
        query = urlparse(auth.headers["location"]).query
        cb = s.get(f"{CONSOLE}/auth/callback?{query}", allow_redirects=False, timeout=10)
        me = s.get(f"{CONSOLE}/v1/session", timeout=10)
        if me.status_code == 200:
            s.headers["X-CSRF-Token"] = me.json()["csrf_token"]
            return s
        last = f"callback {cb.status_code} {cb.headers.get('location', '')} {cb.text[:200]}"
        time.sleep(0.3)
    raise SystemExit(f"could not sign in to the console: {last}")


def credentials(out: Path) -> None:
    log("operator key (tenant-provisioning create-operator-key)")
    key = operator_key(f"contract-check-{uuid.uuid4().hex[:8]}")
    log("wizard session from a fresh setup link")
    wizard = wizard_session(key)
    log("a tenant set up through the wizard (services/consent/walkthrough.sh)")
    tenant = walkthrough(key)
    log(f"console session for {ADMIN_UPN} on {tenant} (simulator sign-in)")
    s = console_session(tenant)
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    r = s.post(f"{CONSOLE}/v1/api-tokens",
               json={"name": "contract check", "role": "admin", "expires_in_days": 1}, timeout=10)
    r.raise_for_status()
    creds = {
        "operator_key": key,
        "wizard": wizard,
        "console": {"tenant": tenant, "cookie": cookie, "csrf": s.headers["X-CSRF-Token"],
                    "api_token": r.json()["token"]},
    }
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(creds, f)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "credentials":
        credentials(Path(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
