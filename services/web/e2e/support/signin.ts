import { expect, type Page } from '@playwright/test';

/** Signs in to the console as the simulator's chosen user. Right after setup the first sync may
 *  not have brought the person in yet ("no console role"): tries again, as a person would.
 *  `toPass`, not `expect.poll`: a poll fails at once when its callback throws (a slow page, a
 *  navigation racing the click), where a person would simply try again. */
export async function signInToConsole(page: Page, consoleUrl: string, timeoutMs = 90_000): Promise<void> {
  await expect(async () => {
    await page.goto(consoleUrl);
    await page.getByRole('link', { name: 'Sign in with Microsoft' }).click({ timeout: 10_000 });
    await expect(page.getByRole('heading', { level: 1, name: 'Users' }), 'signed in to the console').toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: timeoutMs, intervals: [2_000] });
}
