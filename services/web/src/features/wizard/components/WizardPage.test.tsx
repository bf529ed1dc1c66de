import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The page against a fake server: what the browser sends and how each answer is explained.
const calls: { method: string; url: string; body: string | null }[] = [];
let answer: (url: string) => Response;

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal('fetch', async (input: Request) => {
    calls.push({ method: input.method, url: input.url, body: input.method === 'GET' ? null : await input.clone().text() });
    return answer(input.url);
  });
});
afterEach(() => vi.unstubAllGlobals());

function problem(status: number, code: string) {
  return new Response(JSON.stringify({ type: `https://x/${code}`, title: 't', status, code, detail: 'd' }), { status, headers: { 'content-type': 'application/problem+json' } });
}

async function renderWizard(hash: string) {
  window.history.replaceState(null, '', `/setup${hash}`);
  const { takeSetupToken } = await import('@/lib/fragment');
  takeSetupToken();
  const { WizardPage } = await import('./WizardPage');
  const router = createMemoryRouter([{ path: '/setup', Component: WizardPage }], { initialEntries: ['/setup'] });
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}

describe('opening the wizard', () => {
  it('posts the token from the link once, never puts it in the address, and explains an expired link', async () => {
    answer = () => problem(410, 'setup_link_expired');
    await renderWizard('#token=pa_setup_' + 'a'.repeat(43));
    expect(await screen.findByText('This setup link has expired')).toBeTruthy();
    expect(window.location.hash).toBe('');
    const starts = calls.filter((c) => c.url.endsWith('/v1/wizard/sessions'));
    expect(starts).toHaveLength(1);
    expect(JSON.parse(starts[0]!.body!)).toEqual({ token: 'pa_setup_' + 'a'.repeat(43) });
    expect(calls.every((c) => !c.url.includes('pa_setup_'))).toBe(true);
  });

  it.each([
    ['setup_link_regenerated', 'A newer setup link replaced this one'],
    ['setup_link_revoked', 'This setup link was withdrawn'],
    ['setup_link_used', 'Setup is already complete'],
  ])('tells %s apart', async (code, text) => {
    answer = () => problem(410, code);
    await renderWizard('#token=pa_setup_' + 'b'.repeat(43));
    expect(await screen.findByText(text)).toBeTruthy();
  });

  it('without a link or a session, asks for the link from the email', async () => {
    answer = () => problem(401, 'wizard_session_required');
    await renderWizard('');
    expect(await screen.findByText('Open your setup link')).toBeTruthy();
    expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual(['GET /v1/wizard/state']);
  });
});
