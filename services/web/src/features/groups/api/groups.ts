import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components } from '@/lib/api/admin-console.gen';
import { unwrap } from '@/lib/problem';

export type GroupIn = components['schemas']['GroupIn'];

export function useGroups() {
  return useQuery({ queryKey: ['console', 'groups'], queryFn: async () => unwrap(await consoleApi.GET('/v1/groups')) });
}

export function useDirectoryGroups(q: string) {
  return useQuery({
    queryKey: ['console', 'directory-groups', q],
    enabled: q.trim().length > 0,
    staleTime: 30_000,
    queryFn: async ({ signal }) => unwrap(await consoleApi.GET('/v1/directory-groups', { params: { query: { q: q.trim() } }, signal })),
  });
}

export function useAddGroup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: GroupIn) => unwrap(await consoleApi.POST('/v1/groups', { body })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}

export function useRemoveGroup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (groupId: string) => unwrap(await consoleApi.DELETE('/v1/groups/{group_id}', { params: { path: { group_id: groupId } } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}
