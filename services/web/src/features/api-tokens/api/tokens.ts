import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components } from '@/lib/api/admin-console.gen';
import { csrfHeader } from '@/lib/csrf';
import { unwrap } from '@/lib/problem';

export type ApiTokenIn = components['schemas']['ApiTokenIn'];

export function useTokens() {
  return useQuery({ queryKey: ['console', 'api-tokens'], queryFn: async () => unwrap(await consoleApi.GET('/v1/api-tokens')) });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: ApiTokenIn) => unwrap(await consoleApi.POST('/v1/api-tokens', { params: { header: csrfHeader() }, body })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'api-tokens'] }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (tokenId: string) => unwrap(await consoleApi.DELETE('/v1/api-tokens/{token_id}', { params: { path: { token_id: tokenId }, header: csrfHeader() } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'api-tokens'] }),
  });
}
