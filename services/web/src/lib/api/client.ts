// The typed API clients, configured once. Types come only from the generated files
// (`npm run generate` from openapi/*.json); requests go to this origin (the service that served
// the page), so the session cookies and CSRF tokens work without CORS.
import createClient from 'openapi-fetch';
import { csrfMiddleware } from '@/lib/csrf';
import type { paths as ConsolePaths } from './admin-console.gen';
import type { paths as ConsentPaths } from './consent.gen';

const baseUrl = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;

export const consentApi = createClient<ConsentPaths>({ baseUrl, credentials: 'same-origin' });
consentApi.use(csrfMiddleware);

export const consoleApi = createClient<ConsolePaths>({ baseUrl, credentials: 'same-origin' });
consoleApi.use(csrfMiddleware);
