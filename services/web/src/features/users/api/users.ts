import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components, operations } from '@/lib/api/admin-console.gen';
import { unwrap } from '@/lib/problem';

export type UserListQuery = NonNullable<operations['admin_console.users.list']['parameters']['query']>;
export type UserOut = components['schemas']['UserOut'];
export type UserDetail = components['schemas']['UserDetail'];
export type DirectRoleIn = components['schemas']['DirectRoleIn'];

export function useUsers(query: UserListQuery) {
  return useQuery({
    queryKey: ['console', 'users', query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => unwrap(await consoleApi.GET('/v1/users', { params: { query }, signal })),
  });
}

export function useUser(objectId: string) {
  return useQuery({
    queryKey: ['console', 'user', objectId],
    queryFn: async () => unwrap(await consoleApi.GET('/v1/users/{object_id}', { params: { path: { object_id: objectId } } })),
  });
}

/** The configured groups, for the group filter. */
export function useGroupOptions() {
  return useQuery({
    queryKey: ['console', 'groups'],
    queryFn: async () => unwrap(await consoleApi.GET('/v1/groups')),
  });
}

function useUserMutation<V>(fn: (objectId: string, v: V) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ objectId, value }: { objectId: string; value: V }) => fn(objectId, value),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}

const path = (objectId: string) => ({ params: { path: { object_id: objectId } } });

export const useDeactivate = () => useUserMutation(async (id, _: void) => unwrap(await consoleApi.POST('/v1/users/{object_id}/deactivate', path(id))));
export const useReactivate = () => useUserMutation(async (id, _: void) => unwrap(await consoleApi.POST('/v1/users/{object_id}/reactivate', path(id))));
export const useAssignRole = () =>
  useUserMutation(async (id, body: DirectRoleIn) => unwrap(await consoleApi.PUT('/v1/users/{object_id}/direct-role', { ...path(id), body })));
export const useRemoveRole = () => useUserMutation(async (id, _: void) => unwrap(await consoleApi.DELETE('/v1/users/{object_id}/direct-role', path(id))));
export const useEndUserSessions = () => useUserMutation(async (id, _: void) => unwrap(await consoleApi.DELETE('/v1/users/{object_id}/sessions', path(id))));
