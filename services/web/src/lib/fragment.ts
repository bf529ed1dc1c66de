// The setup link is `{wizard}/setup#token=pa_setup_…`. The fragment never reaches a server, but it
// stays in the address bar and the history: read it once, before anything renders, and strip it.

let setupToken: string | null = null;

/** Reads `#token=…` from `location`, keeps it in memory only, and removes the fragment from the
 *  address bar and the current history entry. Returns the token (or null). */
export function takeSetupToken(location: Location = window.location, history: History = window.history): string | null {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  // Strip the whole fragment whatever it held: nothing of the link stays in history.
  history.replaceState(history.state, '', location.pathname + location.search);
  if (token) setupToken = token;
  return token;
}

/** The token read from the link, handed over once (then forgotten). */
export function consumeSetupToken(): string | null {
  const token = setupToken;
  setupToken = null;
  return token;
}

/** Whether a token from the link is waiting to be used. */
export function hasSetupToken(): boolean {
  return setupToken !== null;
}
