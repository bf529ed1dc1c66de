"""The vendor and console parts of the journey, driven ONLY through Python clients generated from
the committed contracts by openapi-python-client (deploy/local/contract-check.sh generates
`tp_client` and `console_client` and runs this with them on PYTHONPATH).

Environment: CREDENTIALS (the JSON written by stack.py), TP, CONSOLE (service base URLs).
Prints one line per step; exits non-zero on the first step whose answer is not the contract's.
"""

from __future__ import annotations

import json
import os
import sys
import uuid

from console_client import AuthenticatedClient as ConsoleClient
from console_client.api.groups import admin_console_groups_list as groups_list
from console_client.api.sessions import admin_console_session_get as session_get
from console_client.api.sync import admin_console_sync_status as sync_status
from console_client.api.users import admin_console_users_list as users_list
from console_client.models import GroupList, MeOut, SyncStatusOut, UserPage
from tp_client import AuthenticatedClient as TpClient
from tp_client.api.tenants import (
    tenant_provisioning_tenants_create as create,
    tenant_provisioning_tenants_deprovision as deprovision,
    tenant_provisioning_tenants_get as get,
    tenant_provisioning_tenants_list as list_tenants,
    tenant_provisioning_tenants_resume as resume,
    tenant_provisioning_tenants_suspend as suspend,
)
from tp_client.models import (
    Environment,
    StatusChangeIn,
    TenantIn,
    TenantOut,
    TenantPage,
    TenantStatus,
)

TP = os.environ.get("TP", "http://127.0.0.1:8081")
CONSOLE = os.environ.get("CONSOLE", "http://127.0.0.1:8084")
ADMIN_UPN = os.environ.get("ADMIN_UPN", "avery.admin@contosohealth.onmicrosoft.com")
ADMIN_GROUP = os.environ.get("ADMIN_GROUP", "Patient Access Admins")


def check(step: str, ok: bool, detail: object = "") -> None:
    print(f"   [python] {'ok  ' if ok else 'FAIL'} {step}", flush=True)
    if not ok:
        print(f"          {detail}", file=sys.stderr)
        sys.exit(1)


def expect(step: str, response, status: int, model: type):
    ok = response.status_code == status and isinstance(response.parsed, model)
    check(step, ok, f"{response.status_code}: {response.content[:500]!r}")
    return response.parsed


def vendor(key: str) -> None:
    tp = TpClient(base_url=TP, token=key)
    name = f"Python client {uuid.uuid4().hex[:10]}"
    tenant = expect(
        "provision a tenant (Idempotency-Key)",
        create.sync_detailed(
            client=tp,
            body=TenantIn(display_name=name, contact_email=f"{uuid.uuid4().hex[:10]}@py.example",
                          environment=Environment.NON_PRODUCTION, send_setup_link=False),
            idempotency_key=str(uuid.uuid4()),
        ),
        201, TenantOut,
    )
    check("it is pending_setup", tenant.status == TenantStatus.PENDING_SETUP, tenant)
    page = expect("list tenants by name prefix", list_tenants.sync_detailed(client=tp, q=name), 200, TenantPage)
    check("the list holds it", [t.id for t in page.items] == [tenant.id], page)

    s = expect("suspend WITHOUT a body", suspend.sync_detailed(tenant.id, client=tp), 200, TenantOut)
    check("suspended", s.status == TenantStatus.SUSPENDED, s)
    r = expect("resume", resume.sync_detailed(tenant.id, client=tp), 200, TenantOut)
    check("back to pending_setup", r.status == TenantStatus.PENDING_SETUP, r)
    s = expect("suspend WITH a body",
               suspend.sync_detailed(tenant.id, client=tp, body=StatusChangeIn(reason="contract check")),
               200, TenantOut)
    check("suspended with the reason", s.status == TenantStatus.SUSPENDED and s.status_reason == "contract check", s)
    expect("resume again", resume.sync_detailed(tenant.id, client=tp), 200, TenantOut)
    d = expect("deprovision WITHOUT a body", deprovision.sync_detailed(tenant.id, client=tp), 200, TenantOut)
    check("deprovisioned, purge scheduled", d.status == TenantStatus.DEPROVISIONED and bool(d.purge_after), d)

    other = expect(
        "provision a second tenant",
        create.sync_detailed(client=tp, body=TenantIn(
            display_name=f"{name} (2)", contact_email=f"{uuid.uuid4().hex[:10]}@py.example",
            environment=Environment.NON_PRODUCTION, send_setup_link=False)),
        201, TenantOut,
    )
    d = expect("deprovision WITH a body",
               deprovision.sync_detailed(other.id, client=tp, body=StatusChangeIn(reason="contract check")),
               200, TenantOut)
    check("deprovisioned with the reason", d.status_reason == "contract check", d)
    g = expect("get it", get.sync_detailed(other.id, client=tp), 200, TenantOut)
    check("the same state", g.status == TenantStatus.DEPROVISIONED, g)


def console(label: str, client: ConsoleClient, tenant: str) -> None:
    me = expect(f"{label}: GET /v1/session", session_get.sync_detailed(client=client), 200, MeOut)
    check(f"{label}: an admin of the tenant", str(me.tenant_id) == tenant and str(me.role) == "admin", me)
    users = expect(f"{label}: users list (search)", users_list.sync_detailed(client=client, search="avery"), 200, UserPage)
    admin = [u for u in users.items if u.user_principal_name == ADMIN_UPN]
    check(f"{label}: the administrator is synced with role admin",
          len(admin) == 1 and str(admin[0].role) == "admin", users)
    groups = expect(f"{label}: groups", groups_list.sync_detailed(client=client), 200, GroupList)
    check(f"{label}: the admin group is mapped to admin",
          any(g.display_name == ADMIN_GROUP and str(g.role) == "admin" for g in groups.items), groups)
    status = expect(f"{label}: sync status", sync_status.sync_detailed(client=client), 200, SyncStatusOut)
    check(f"{label}: the first sync succeeded", status.registered and bool(status.last_success_at), status)


def main() -> None:
    creds = json.load(open(os.environ["CREDENTIALS"]))
    vendor(creds["operator_key"])
    c = creds["console"]
    console("api token", ConsoleClient(base_url=CONSOLE, token=c["api_token"]), c["tenant"])
    cookie = dict(part.split("=", 1) for part in c["cookie"].split("; "))
    # The session cookie is the credential; the generated client's auth header carries the CSRF
    # token (needed only on state changes).
    session = ConsoleClient(base_url=CONSOLE, token=c["csrf"], prefix="", auth_header_name="X-CSRF-Token",
                            cookies=cookie)
    console("session cookie", session, c["tenant"])


if __name__ == "__main__":
    main()
