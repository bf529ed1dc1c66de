// The issue-17 journeys, in order, against the real stack: the IT admin walks the wizard from
// the mailed link (a declined consent and a Conditional Access block on the way, then a retry)
// to finish; the first administrator signs in and finds the Users tab filled by the first sync;
// a Viewer is not offered admin actions; a user disabled in Entra ID disappears from the active
// list and their open browser session ends; idle logoff. Every page: axe + two screenshots.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { checkPage } from './support/pages';
import { signInToConsole } from './support/signin';
import { getTenant } from './support/provisioning';
import { sim } from './support/sim';
import { linkMailedTo } from './support/sink';
import { newCustomer, type Customer } from './support/tenant';

test.describe.configure({ mode: 'serial' });

let c: Customer;
let consoleUrl: string;

test.beforeAll(async () => {
  c = await newCustomer();
});

async function signIn(browser: Browser, upn: string, opts: { clock?: boolean } = {}): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (opts.clock) await page.clock.install();
  await sim.signInAs(c.directory.id, upn);
  await signInToConsole(page, consoleUrl);
  return page;
}

test('the IT admin connects the directory from the mailed link, through a declined consent and a Conditional Access block', async ({ page, browser }) => {
  await sim.signInAs(c.directory.id, c.itAdmin);
  const res = await page.goto(c.setupLink);
  // Served by consent itself, with the strict security headers.
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  // The token is read, then gone from the address bar and the history.
  await expect(page.getByRole('heading', { name: 'Before you start' })).toBeVisible();
  expect(page.url()).not.toContain('token');
  expect(await page.evaluate(() => window.location.hash)).toBe('');
  await expect(page.getByRole('button', { name: /Copy IP range/ }).first()).toBeVisible();
  await checkPage(page, 'wizard-1-prerequisites');
  await page.getByRole('button', { name: 'Continue' }).click();

  // Directory: inline validation, then the domain.
  const dir = page.getByLabel('Tenant ID or verified domain');
  await dir.fill('admin@clinic');
  await dir.blur();
  await expect(page.getByText('Enter the domain only (the part after @)')).toBeVisible();
  await expect(dir).toHaveAttribute('aria-invalid', 'true');
  await checkPage(page, 'wizard-2-directory-invalid');
  await dir.fill(c.domain);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByRole('heading', { name: 'Grant consent at Microsoft' })).toBeVisible();

  // A reload resumes where the admin was.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Grant consent at Microsoft' })).toBeVisible();
  await checkPage(page, 'wizard-3-consent');

  // Declined at Microsoft → explained, with a way to retry.
  await sim.setFaults(c.directory.id, { consent_decline: true });
  await page.getByRole('button', { name: 'Continue to Microsoft Authentication' }).click();
  await expect(page).toHaveURL(/\/setup\?consent=error/);
  await expect(page.getByRole('alert').filter({ hasText: 'Consent was declined' })).toBeVisible();
  await checkPage(page, 'wizard-3-consent-declined');
  await sim.setFaults(c.directory.id, { consent_decline: false });

  // A Conditional Access policy blocks the consenting admin → explained with the fix.
  await sim.setUserFaults(c.directory.id, c.itAdmin, { ca_block: true });
  await page.getByRole('button', { name: /Try again: Continue to Microsoft Authentication/ }).click();
  await expect(page).toHaveURL(/code=conditional_access_blocked/);
  await expect(page.getByRole('alert').filter({ hasText: 'Conditional Access' })).toBeVisible();
  await expect(page.getByText('How to fix it:')).toBeVisible();
  await checkPage(page, 'wizard-3-consent-ca-blocked');
  await sim.setUserFaults(c.directory.id, c.itAdmin, { ca_block: false });

  // Retry: granted.
  await page.getByRole('button', { name: /Try again: Continue to Microsoft Authentication/ }).click();
  await expect(page).toHaveURL(/consent=granted/);
  await expect(page.getByText('Consent was granted and verified')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();

  // Pre-flight.
  await page.getByRole('button', { name: 'Run the checks' }).click();
  await expect(page.getByText('Every check passed.')).toBeVisible();
  await checkPage(page, 'wizard-4-preflight');
  await page.getByRole('button', { name: 'Continue' }).click();

  // The first administrator.
  await page.getByLabel('Administrator’s user principal name').fill(`nobody@${c.domain}`);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expect(page.getByLabel('Administrator’s user principal name')).toHaveAttribute('aria-invalid', 'true');
  await checkPage(page, 'wizard-5-admin-unknown');
  await page.getByLabel('Administrator’s user principal name').fill(c.firstAdmin);
  await page.getByRole('button', { name: 'Save and continue' }).click();

  // Groups by keyboard: an empty group is refused with the rule; the admins group is accepted.
  const adminBox = page.getByRole('combobox', { name: 'Add an admin group' });
  await adminBox.fill(`Empty Team ${c.tag}`);
  await expect(page.getByRole('option', { name: new RegExp(`Empty Team ${c.tag}`) })).toBeVisible();
  await adminBox.press('ArrowDown');
  await adminBox.press('Enter');
  await expect(page.getByText('This group has no members')).toBeVisible();
  await checkPage(page, 'wizard-6-groups-refused');
  await adminBox.fill(`PA Admins ${c.tag}`);
  await expect(page.getByRole('option', { name: new RegExp(`PA Admins ${c.tag}`) })).toBeVisible();
  await adminBox.press('ArrowDown');
  await adminBox.press('Enter');
  await expect(page.getByRole('list', { name: 'Chosen groups' }).first()).toContainText('1 member');
  await page.getByLabel('Role for the next user group').selectOption('viewer');
  const userBox = page.getByRole('combobox', { name: 'Add a user group' });
  await userBox.fill(`Nurses ${c.tag}`);
  await expect(page.getByRole('option', { name: new RegExp(`Nurses ${c.tag}`) })).toBeVisible();
  await userBox.press('ArrowDown');
  await userBox.press('Enter');
  await expect(page.getByText(/Nurses .* — 3 members, role viewer/)).toBeVisible();
  await checkPage(page, 'wizard-6-groups');
  await page.getByRole('button', { name: 'Continue to the summary' }).click();

  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await checkPage(page, 'wizard-7-summary');
  await page.getByRole('button', { name: 'Finish setup' }).click();
  await expect(page.getByText('Setup is complete')).toBeVisible();
  const go = page.getByRole('link', { name: 'Go to the Admin Console' });
  consoleUrl = (await go.getAttribute('href'))!;
  expect(consoleUrl).toContain(`?tenant=${c.tenant.id}`);
  await checkPage(page, 'wizard-8-done');
  expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

  // The link stops working; the tenant becomes active.
  const later = await (await browser.newContext()).newPage();
  await later.goto(c.setupLink);
  await expect(later.getByText('Setup is already complete')).toBeVisible();
  await checkPage(later, 'wizard-9-link-used');
  await later.context().close();
  await expect.poll(async () => (await getTenant(c.tenant.id)).status, { timeout: 30_000 }).toBe('active');
});

test('the first administrator is mailed the console, signs in and finds the Users tab filled by the first sync', async ({ browser }) => {
  const mailed = await linkMailedTo(c.firstAdmin, /\?tenant=/);
  expect(mailed).toBe(consoleUrl);
  const page = await (await browser.newContext()).newPage();
  await page.goto(consoleUrl);
  await expect(page.getByRole('link', { name: 'Sign in with Microsoft' })).toBeVisible();
  await checkPage(page, 'console-signin');
  await page.context().close();

  const admin = await signIn(browser, c.firstAdmin);
  const userRows = admin.getByRole('table', { name: 'Users' }).getByRole('row');
  await expect(async () => {
    await admin.reload();
    await expect(userRows.first()).toBeVisible({ timeout: 10_000 });
    expect(await userRows.count(), 'the first sync fills the Users tab').toBeGreaterThanOrEqual(5); // header + Dana + 3 nurses
  }).toPass({ timeout: 60_000, intervals: [1_000] });
  await expect(admin.getByRole('link', { name: 'Nora Nurse' })).toBeVisible();
  await checkPage(admin, 'console-users');
  expect(await admin.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

  await admin.getByLabel('Search').fill('nora');
  await expect(admin.getByRole('table', { name: 'Users' }).getByRole('row')).toHaveCount(2);
  await admin.getByRole('link', { name: 'Nora Nurse' }).click();
  await expect(admin.getByRole('heading', { name: 'Where the role comes from' })).toBeVisible();
  await expect(admin.getByText(`member of group Nurses ${c.tag}`)).toBeVisible();
  await checkPage(admin, 'console-user-detail');

  for (const [nav, heading, shot] of [
    ['Groups', 'Groups', 'console-groups'],
    ['Sync', 'Sync', 'console-sync'],
    ['Audit log', 'Audit log', 'console-audit'],
    ['Sessions', 'Sessions', 'console-sessions'],
    ['Emergency access', 'Emergency access', 'console-emergency-access'],
    ['API tokens', 'API tokens', 'console-api-tokens'],
    ['Settings', 'Settings', 'console-settings'],
  ] as const) {
    await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: nav }).click();
    await expect(admin.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await checkPage(admin, shot);
  }
  await admin.context().close();
});

test('a Viewer is not offered admin actions and cannot reach admin pages', async ({ browser }) => {
  const viewer = await signIn(browser, c.nurses[1]!);
  const nav = viewer.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Users' })).toBeVisible();
  for (const hidden of ['Audit log', 'Emergency access', 'API tokens']) await expect(nav.getByRole('link', { name: hidden })).toHaveCount(0);
  await viewer.getByRole('link', { name: 'Dana Admin' }).click();
  await expect(viewer.getByRole('heading', { name: 'Where the role comes from' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: /Deactivate|Reactivate|Assign direct role|End their sessions/ })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Sync' }).click();
  await expect(viewer.getByRole('heading', { level: 1, name: 'Sync' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: /Sync now/ })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(viewer.getByRole('button', { name: 'Save settings' })).toHaveCount(0);
  await checkPage(viewer, 'console-settings-viewer');
  await viewer.goto(new URL('/api-tokens', consoleUrl).toString());
  await expect(viewer.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await viewer.context().close();
});

test('a user disabled in Entra ID leaves the active list and their open session is logged out', async ({ browser }) => {
  const leaver = c.nurses[2]!;
  const leaverPage = await signIn(browser, leaver);
  const admin = await signIn(browser, c.firstAdmin);
  await sim.disableUser(c.directory.id, leaver);
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sync' }).click();
  await admin.getByRole('button', { name: 'Sync now', exact: true }).click();
  await expect(leaverPage.getByRole('heading', { level: 1, name: 'Your session has ended' })).toBeVisible({ timeout: 90_000 });
  await checkPage(leaverPage, 'console-session-ended');
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
  await expect(admin.getByRole('link', { name: 'Nia Nurse' })).toHaveCount(0);
  await admin.getByLabel('Status').selectOption('inactive');
  await expect(admin.getByRole('link', { name: 'Nia Nurse' })).toBeVisible();
  await admin.context().close();
  await leaverPage.context().close();
});

test('idle logoff warns first, then lands on the signed-out-for-inactivity page', async ({ browser }) => {
  const page = await signIn(browser, c.firstAdmin, { clock: true });
  await page.clock.fastForward('14:10'); // default idle timeout 15 min; warning in the last minute
  const dialog = page.getByRole('dialog', { name: 'You are about to be signed out' });
  await expect(dialog).toBeVisible();
  await checkPage(page, 'console-idle-warning');
  await page.clock.fastForward('01:00');
  await expect(page.getByRole('heading', { level: 1, name: 'You were signed out for inactivity' })).toBeVisible();
  await checkPage(page, 'console-signed-out-inactivity');
  // The session is really over.
  const res = await page.request.get(new URL('/v1/session', consoleUrl).toString());
  expect(res.status()).toBe(401);
  await page.context().close();
});
