import { describe, expect, it, vi } from 'vitest';
import { consumeSetupToken, takeSetupToken } from './fragment';

function fakeLocation(href: string): Location {
  const u = new URL(href);
  return { hash: u.hash, pathname: u.pathname, search: u.search } as Location;
}

describe('the setup link fragment', () => {
  it('is read once, handed over once, and stripped from the address bar', () => {
    const replaceState = vi.fn();
    const history = { state: null, replaceState } as unknown as History;
    const token = takeSetupToken(fakeLocation('http://x/setup?a=1#token=pa_setup_abc'), history);
    expect(token).toBe('pa_setup_abc');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/setup?a=1');
    expect(consumeSetupToken()).toBe('pa_setup_abc');
    expect(consumeSetupToken()).toBeNull();
  });

  it('leaves a URL without a fragment alone', () => {
    const replaceState = vi.fn();
    const history = { state: null, replaceState } as unknown as History;
    expect(takeSetupToken(fakeLocation('http://x/setup'), history)).toBeNull();
    expect(replaceState).not.toHaveBeenCalled();
  });

  it('strips a fragment without a token too', () => {
    const replaceState = vi.fn();
    const history = { state: null, replaceState } as unknown as History;
    expect(takeSetupToken(fakeLocation('http://x/setup#foo=bar'), history)).toBeNull();
    expect(replaceState).toHaveBeenCalledWith(null, '', '/setup');
  });
});
