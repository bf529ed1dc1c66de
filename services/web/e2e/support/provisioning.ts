// tenant-provisioning's operator API: each journey provisions its own Patient Access tenant.
import { readFileSync } from 'node:fs';
import { json, stack } from './stack';
import { operatorKeyFile } from './global-setup';

function operatorKey(): string {
  return readFileSync(operatorKeyFile, 'utf8').trim();
}

export interface Tenant {
  id: string;
  display_name: string;
  status: string;
}

export async function provisionTenant(displayName: string, contactEmail: string): Promise<Tenant> {
  const res = await fetch(`${stack.provisioning}/v1/tenants`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${operatorKey()}`,
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ display_name: displayName, contact_email: contactEmail, environment: 'non_production' }),
  });
  return json<Tenant>(res, 'create tenant');
}

export async function getTenant(id: string): Promise<Tenant> {
  const res = await fetch(`${stack.provisioning}/v1/tenants/${id}`, {
    headers: { authorization: `Bearer ${operatorKey()}` },
  });
  return json<Tenant>(res, 'get tenant');
}
