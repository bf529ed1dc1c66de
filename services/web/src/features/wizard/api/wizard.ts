import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consentApi } from '@/lib/api/client';
import type { components } from '@/lib/api/consent.gen';
import { setCsrfToken } from '@/lib/csrf';
import { unwrap } from '@/lib/problem';

export type WizardState = components['schemas']['WizardStateOut'];
export type Step = components['schemas']['Step'];
export type GroupsIn = components['schemas']['GroupsIn'];
export type Role = components['schemas']['Role'];
export type MicrosoftFailure = components['schemas']['MicrosoftFailure'];

const KEY = ['wizard', 'state'] as const;

function keep(state: WizardState): WizardState {
  setCsrfToken(state.session.csrf_token);
  return state;
}

/** The wizard state of this browser's session (the `pa_wizard` cookie). */
export function useWizardState(enabled: boolean) {
  return useQuery({
    queryKey: KEY,
    enabled,
    retry: false,
    queryFn: async () => keep(unwrap(await consentApi.GET('/v1/wizard/state'))),
  });
}

/** Opens the session with the token from the link (once). */
export function useStart() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (token: string) => keep(unwrap(await consentApi.POST('/v1/wizard/sessions', { body: { token } }))),
    onSuccess: (state) => qc.setQueryData(KEY, state),
  });
}

/** A step that answers with the new state. */
function useStepMutation<V>(call: (v: V) => Promise<WizardState>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (v: V) => keep(await call(v)),
    onSuccess: (state) => qc.setQueryData(KEY, state),
  });
}

export const useSetDirectory = () =>
  useStepMutation(async (tenant: string) => unwrap(await consentApi.PUT('/v1/wizard/directory', { body: { tenant } })));

export const useVerifyConsent = () => useStepMutation(async () => unwrap(await consentApi.POST('/v1/wizard/consent/verification')));

export const useRunPreflight = () => useStepMutation(async () => unwrap(await consentApi.POST('/v1/wizard/preflight')));

export const useSetAdmin = () =>
  useStepMutation(async (upn: string) => unwrap(await consentApi.PUT('/v1/wizard/admin', { body: { user_principal_name: upn } })));

export const useSetGroups = () => useStepMutation(async (body: GroupsIn) => unwrap(await consentApi.PUT('/v1/wizard/groups', { body })));

export const useFinish = () => useStepMutation(async () => unwrap(await consentApi.POST('/v1/wizard/finish')));

/** "Continue to Microsoft Authentication": the consent URL, then a top-level navigation there. */
export function useContinueToMicrosoft() {
  return useMutation({
    mutationFn: async () => unwrap(await consentApi.POST('/v1/wizard/consent-requests')),
    onSuccess: (out) => window.location.assign(out.consent_url),
  });
}

/** Type-ahead over the directory's security groups. */
export function useGroupSearch(search: string) {
  return useQuery({
    queryKey: ['wizard', 'groups', search],
    enabled: search.trim().length > 0,
    staleTime: 30_000,
    queryFn: async ({ signal }) =>
      unwrap(await consentApi.GET('/v1/wizard/groups', { params: { query: { search: search.trim(), limit: 20 } }, signal })),
  });
}
