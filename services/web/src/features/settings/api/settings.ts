import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { components } from '@/lib/api/admin-console.gen';
import { unwrap } from '@/lib/problem';

export type SettingsPatch = components['schemas']['SettingsPatch'];

export function useSettings() {
  return useQuery({ queryKey: ['console', 'settings'], queryFn: async () => unwrap(await consoleApi.GET('/v1/settings')) });
}

export function useChangeSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: SettingsPatch) => unwrap(await consoleApi.PATCH('/v1/settings', { body })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console'] }),
  });
}
