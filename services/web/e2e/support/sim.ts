// The Entra ID simulator's control API (tests/entra-sim/README.md): each journey makes its own
// directory, users, groups and faults.
import { json, stack } from './stack';

const base = () => `${stack.sim}/_sim`;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return json<T>(res, `sim ${method} ${path}`);
}

export interface SimTenant {
  id: string;
  display_name: string;
  domains: string[];
}
export interface SimUser {
  id: string;
  user_principal_name: string;
}
export interface SimGroup {
  id: string;
  display_name: string;
}

const enc = encodeURIComponent;

export const sim = {
  createTenant: (displayName: string, domain: string) =>
    call<SimTenant>('POST', '/tenants', { display_name: displayName, domains: [domain], size_class: 'small' }),
  addUser: (t: string, upn: string, displayName: string, extra: Record<string, unknown> = {}) =>
    call<SimUser>('POST', `/tenants/${enc(t)}/users`, {
      user_principal_name: upn,
      display_name: displayName,
      account_enabled: true,
      mail: upn,
      ...extra,
    }),
  disableUser: (t: string, u: string) => call<unknown>('POST', `/tenants/${enc(t)}/users/${enc(u)}/disable`),
  addGroup: (t: string, displayName: string, kind: 'security' | 'm365' = 'security') =>
    call<SimGroup>('POST', `/tenants/${enc(t)}/groups`, { display_name: displayName, kind }),
  addMember: (t: string, g: string, member: string) =>
    call<unknown>('POST', `/tenants/${enc(t)}/groups/${enc(g)}/members`, { member }),
  faults: (t: string) => call<Record<string, unknown>>('GET', `/tenants/${enc(t)}/faults`),
  async setFaults(t: string, change: Record<string, unknown>) {
    const current = await sim.faults(t);
    return call<unknown>('PUT', `/tenants/${enc(t)}/faults`, { ...current, ...change });
  },
  setUserFaults: (t: string, u: string, faults: Record<string, unknown>) =>
    call<unknown>('PUT', `/tenants/${enc(t)}/users/${enc(u)}/faults`, faults),
  signInAs: (t: string, u: string) => call<unknown>('PUT', '/signin', { tenant: t, user: u }),
  generate: (seed: number, users: number, extra: Record<string, unknown> = {}) => call<unknown>('POST', '/generate', { seed, users, ...extra }),
};
