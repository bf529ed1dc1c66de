// A fresh customer for a journey: a directory in the simulator (IT admin, first administrator,
// staff, and groups that the rules accept or refuse) and a Patient Access tenant whose setup
// link went to the IT admin.
import { linkMailedTo } from './sink';
import { provisionTenant, type Tenant } from './provisioning';
import { sim, type SimTenant } from './sim';

export interface Customer {
  tag: string;
  domain: string;
  directory: SimTenant;
  tenant: Tenant;
  itAdmin: string;
  firstAdmin: string;
  nurses: string[];
  groups: { admins: string; nurses: string; empty: string; m365: string };
  setupLink: string;
}

export async function newCustomer(): Promise<Customer> {
  const tag = Math.random().toString(36).slice(2, 8);
  const domain = `clinic${tag}.onmicrosoft.com`;
  const directory = await sim.createTenant(`Clinic ${tag}`, domain);
  const itAdmin = `it.admin@${domain}`;
  const firstAdmin = `dana.admin@${domain}`;
  const nurses = [`nora.nurse@${domain}`, `ned.nurse@${domain}`, `nia.nurse@${domain}`];
  await sim.addUser(directory.id, itAdmin, 'Ivy Admin (IT)');
  await sim.addUser(directory.id, firstAdmin, 'Dana Admin');
  for (const [i, n] of nurses.entries()) await sim.addUser(directory.id, n, ['Nora Nurse', 'Ned Nurse', 'Nia Nurse'][i]!);
  const groups = { admins: `PA Admins ${tag}`, nurses: `Nurses ${tag}`, empty: `Empty Team ${tag}`, m365: `Staff Chat ${tag}` };
  await sim.addGroup(directory.id, groups.admins);
  await sim.addMember(directory.id, groups.admins, firstAdmin);
  await sim.addGroup(directory.id, groups.nurses);
  for (const n of nurses) await sim.addMember(directory.id, groups.nurses, n);
  await sim.addGroup(directory.id, groups.empty);
  await sim.addGroup(directory.id, groups.m365, 'm365');
  await sim.addMember(directory.id, groups.m365, nurses[0]!);
  const tenant = await provisionTenant(`Clinic ${tag} (test)`, itAdmin);
  const setupLink = await linkMailedTo(itAdmin, /\/setup#token=/);
  return { tag, domain, directory, tenant, itAdmin, firstAdmin, nurses, groups, setupLink };
}
