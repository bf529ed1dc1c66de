import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import { csrfHeader } from '@/lib/csrf';
import { unwrap } from '@/lib/problem';

export function useAccounts() {
  return useQuery({ queryKey: ['console', 'emergency'], queryFn: async () => unwrap(await consoleApi.GET('/v1/emergency-accounts')) });
}

export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await consoleApi.POST('/v1/emergency-accounts', { params: { header: csrfHeader() }, body: { name } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'emergency'] }),
  });
}

export function useRevokeAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (accountId: string) =>
      unwrap(await consoleApi.DELETE('/v1/emergency-accounts/{account_id}', { params: { path: { account_id: accountId }, header: csrfHeader() } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'emergency'] }),
  });
}
