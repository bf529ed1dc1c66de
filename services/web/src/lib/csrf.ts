// The CSRF token of the current session (wizard or console), held in memory only: it comes back
// in the JSON of the session/state responses, and every state-changing request sends it.

let token: string | null = null;

export function setCsrfToken(value: string | null | undefined): void {
  token = value ?? null;
}

export function csrfToken(): string | null {
  return token;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** openapi-fetch middleware: adds `X-CSRF-Token` to unsafe methods. */
export const csrfMiddleware = {
  onRequest({ request }: { request: Request }): Request {
    if (!SAFE.has(request.method) && token) request.headers.set('X-CSRF-Token', token);
    return request;
  },
};

/** For operations whose contract lists the header as a parameter (the middleware sets it too). */
export function csrfHeader(): { 'X-CSRF-Token': string } {
  return { 'X-CSRF-Token': token ?? '' };
}
