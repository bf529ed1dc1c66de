import { defineConfig } from '@playwright/test';

// Runs against the REAL local stack (`make up`): consent serves the wizard on 8082,
// admin-console the console on 8084; the simulator plays Microsoft (8400/8443), the SMTP sink
// keeps the mails (8025). Debian's chromium, never a downloaded browser.
const chromium = process.env.PA_WEB_CHROMIUM ?? '/usr/lib/chromium/chromium';

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/junit.xml' }]] : [['list']],
  globalSetup: './e2e/support/global-setup.ts',
  use: {
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: chromium, args: ['--disable-dev-shm-usage'] },
  },
  projects: [
    { name: 'journeys', testMatch: /.*\.spec\.ts/ },
    { name: 'bench', testMatch: /.*\.bench\.ts/ },
  ],
});
