import { expect, type Page } from '@playwright/test';

/** Signs in to the console as the simulator's chosen user. Right after setup the first sync may
 *  not have brought the person in yet ("no console role"): tries again, as a person would. */
export async function signInToConsole(page: Page, consoleUrl: string, timeoutMs = 120_000): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.goto(consoleUrl);
        await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
        const users = page.getByRole('heading', { level: 1, name: 'Users' });
        await expect(users.or(page.getByRole('alert'))).toBeVisible();
        return users.isVisible();
      },
      { timeout: timeoutMs, intervals: [2_000], message: 'signed in to the console' },
    )
    .toBe(true);
}
