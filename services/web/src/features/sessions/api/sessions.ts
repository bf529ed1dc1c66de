import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import { csrfHeader } from '@/lib/csrf';
import { unwrap } from '@/lib/problem';

export function useOwnSessions() {
  return useQuery({ queryKey: ['console', 'sessions'], queryFn: async () => unwrap(await consoleApi.GET('/v1/sessions')) });
}

export function useEndSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (sessionId: string) => unwrap(await consoleApi.DELETE('/v1/sessions/{session_id}', { params: { path: { session_id: sessionId }, header: csrfHeader() } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}

export function useEndAll() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await consoleApi.DELETE('/v1/sessions', { params: { header: csrfHeader() } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}
