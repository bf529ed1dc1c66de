import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components } from '@/lib/api/admin-console.gen';
import { csrfHeader, setCsrfToken } from '@/lib/csrf';
import { unwrap } from '@/lib/problem';

export type Me = components['schemas']['MeOut'];

export const ME_KEY = ['console', 'me'] as const;

/** Who is signed in (and the session's CSRF token). Polled, so that a session ended elsewhere
 *  (an admin, the sync deactivating the user, the server's idle timeout) shows at once. */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    retry: false,
    refetchInterval: 15_000,
    refetchIntervalInBackground: true,
    queryFn: async () => {
      const me = unwrap(await consoleApi.GET('/v1/session'));
      setCsrfToken(me.csrf_token);
      return me;
    },
  });
}

/** Signs out (the server ends the session and clears the cookie). */
export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await consoleApi.POST('/auth/logout', { params: { header: csrfHeader() } });
    },
    onSettled: () => {
      setCsrfToken(null);
      qc.clear();
    },
  });
}

/** Where the browser goes to sign in with Microsoft (a top-level navigation). */
export function signInUrl(tenantId: string, loginHint?: string): string {
  const q = new URLSearchParams({ tenant: tenantId });
  if (loginHint) q.set('login_hint', loginHint);
  return `/auth/login?${q.toString()}`;
}

export type EmergencySignInIn = components['schemas']['EmergencySignInIn'];

/** Break-glass sign-in: secret + TOTP code, no Microsoft involved. */
export function useEmergencySignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: EmergencySignInIn) => unwrap(await consoleApi.POST('/auth/emergency', { body })),
    onSuccess: (out) => {
      setCsrfToken(out.csrf_token);
      return qc.invalidateQueries({ queryKey: ME_KEY });
    },
  });
}
