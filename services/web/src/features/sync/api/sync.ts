import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components } from '@/lib/api/admin-console.gen';
import { unwrap } from '@/lib/problem';

export type RunOut = components['schemas']['RunOut'];
export type DecisionIn = components['schemas']['DecisionIn'];
export type SyncRequestIn = components['schemas']['SyncRequestIn'];

const ACTIVE = new Set(['queued', 'running']);

/** The sync status; polled every 2 s while a run is queued or running (the live progress bar). */
export function useSyncStatus() {
  return useQuery({
    queryKey: ['console', 'sync', 'status'],
    queryFn: async () => unwrap(await consoleApi.GET('/v1/sync')),
    refetchInterval: (q) => (q.state.data?.current_run && ACTIVE.has(q.state.data.current_run.status) ? 2_000 : 15_000),
  });
}

export function useRuns(cursor: string | undefined) {
  return useQuery({
    queryKey: ['console', 'sync', 'runs', cursor],
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await consoleApi.GET('/v1/sync/runs', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
  });
}

export function useRun(runId: string | undefined) {
  return useQuery({
    queryKey: ['console', 'sync', 'run', runId],
    enabled: !!runId,
    queryFn: async () => unwrap(await consoleApi.GET('/v1/sync/runs/{run_id}', { params: { path: { run_id: runId! } } })),
  });
}

export function useSyncNow() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: SyncRequestIn) => unwrap(await consoleApi.POST('/v1/sync/requests', { body })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'sync'] }),
  });
}

export function useDecide() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ runId, decision }: { runId: string; decision: DecisionIn['decision'] }) =>
      unwrap(await consoleApi.POST('/v1/sync/runs/{run_id}/decision', { params: { path: { run_id: runId } }, body: { decision } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'sync'] }),
  });
}
