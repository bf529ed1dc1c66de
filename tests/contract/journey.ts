// The vendor and console parts of the journey, driven ONLY through TypeScript clients built from
// the committed contracts: openapi-typescript generates the types (tenant-provisioning.d.ts,
// admin-console.d.ts beside this file, by deploy/local/contract-check.sh) and openapi-fetch calls
// the API with them. `tsc --strict` type-checks every path, parameter and body against the
// contract before anything runs.
//
// Environment: CREDENTIALS (the JSON written by stack.py), TP, CONSOLE.
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { paths as TpPaths } from "./tenant-provisioning.js";
import type { paths as ConsolePaths } from "./admin-console.js";

const TP = process.env.TP ?? "http://127.0.0.1:8081";
const CONSOLE = process.env.CONSOLE ?? "http://127.0.0.1:8084";
const ADMIN_UPN = process.env.ADMIN_UPN ?? "avery.admin@contosohealth.onmicrosoft.com";
const ADMIN_GROUP = process.env.ADMIN_GROUP ?? "Patient Access Admins";

interface Credentials {
  operator_key: string;
  console: { tenant: string; cookie: string; csrf: string; api_token: string };
}
const creds = JSON.parse(readFileSync(process.env.CREDENTIALS ?? "", "utf8")) as Credentials;

function check(step: string, ok: boolean, detail?: unknown): void {
  console.log(`   [typescript] ${ok ? "ok  " : "FAIL"} ${step}`);
  if (!ok) {
    console.error(`          ${JSON.stringify(detail)}`);
    process.exit(1);
  }
}

function expect<T>(step: string, r: { data?: T; error?: unknown; response: Response }, status: number): T {
  check(step, r.response.status === status && r.data !== undefined, r.error ?? r.response.status);
  return r.data as T;
}

async function vendor(): Promise<void> {
  const tp = createClient<TpPaths>({
    baseUrl: TP,
    headers: { Authorization: `Bearer ${creds.operator_key}` },
  });
  const name = `TypeScript client ${crypto.randomUUID().slice(0, 10)}`;
  const tenant = expect(
    "provision a tenant (Idempotency-Key)",
    await tp.POST("/v1/tenants", {
      params: { header: { "Idempotency-Key": crypto.randomUUID() } },
      body: {
        display_name: name,
        contact_email: `${crypto.randomUUID().slice(0, 10)}@ts.example`,
        environment: "non_production",
        send_setup_link: false,
      },
    }),
    201,
  );
  check("it is pending_setup", tenant.status === "pending_setup", tenant);
  const page = expect("list tenants by name prefix", await tp.GET("/v1/tenants", { params: { query: { q: name } } }), 200);
  check("the list holds it", page.items.length === 1 && page.items[0]?.id === tenant.id, page);

  const path = { params: { path: { tenant_id: tenant.id } } };
  const s1 = expect("suspend WITHOUT a body", await tp.POST("/v1/tenants/{tenant_id}/suspend", path), 200);
  check("suspended", s1.status === "suspended", s1);
  const r1 = expect("resume", await tp.POST("/v1/tenants/{tenant_id}/resume", path), 200);
  check("back to pending_setup", r1.status === "pending_setup", r1);
  const s2 = expect(
    "suspend WITH a body",
    await tp.POST("/v1/tenants/{tenant_id}/suspend", { ...path, body: { reason: "contract check" } }),
    200,
  );
  check("suspended with the reason", s2.status === "suspended" && s2.status_reason === "contract check", s2);
  expect("resume again", await tp.POST("/v1/tenants/{tenant_id}/resume", path), 200);
  const d = expect("deprovision WITHOUT a body", await tp.POST("/v1/tenants/{tenant_id}/deprovision", path), 200);
  check("deprovisioned, purge scheduled", d.status === "deprovisioned" && !!d.purge_after, d);
}

async function consoleJourney(label: string, headers: Record<string, string>): Promise<void> {
  const c = createClient<ConsolePaths>({ baseUrl: CONSOLE, headers });
  const me = expect(`${label}: GET /v1/session`, await c.GET("/v1/session"), 200);
  check(`${label}: an admin of the tenant`, me.tenant_id === creds.console.tenant && me.role === "admin", me);
  const users = expect(
    `${label}: users list (search)`,
    await c.GET("/v1/users", { params: { query: { search: "avery" } } }),
    200,
  );
  const admin = users.items.filter((u) => u.user_principal_name === ADMIN_UPN);
  check(`${label}: the administrator is synced with role admin`, admin.length === 1 && admin[0]?.role === "admin", users);
  const groups = expect(`${label}: groups`, await c.GET("/v1/groups"), 200);
  check(
    `${label}: the admin group is mapped to admin`,
    groups.items.some((g) => g.display_name === ADMIN_GROUP && g.role === "admin"),
    groups,
  );
  const status = expect(`${label}: sync status`, await c.GET("/v1/sync"), 200);
  check(`${label}: the first sync succeeded`, status.registered && !!status.last_success_at, status);
}

await vendor();
await consoleJourney("api token", { Authorization: `Bearer ${creds.console.api_token}` });
await consoleJourney("session cookie", { Cookie: creds.console.cookie, "X-CSRF-Token": creds.console.csrf });
