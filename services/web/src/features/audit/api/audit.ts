import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { consoleApi } from '@/lib/api/client';
import type { operations } from '@/lib/api/admin-console.gen';
import { unwrap } from '@/lib/problem';

export type AuditQuery = NonNullable<operations['admin_console.audit.list']['parameters']['query']>;

export function useAuditEvents(query: AuditQuery) {
  return useQuery({
    queryKey: ['console', 'audit', query],
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await consoleApi.GET('/v1/audit-events', { params: { query } })),
  });
}

export function useChainVerification() {
  return useQuery({
    queryKey: ['console', 'audit', 'verification'],
    staleTime: 60_000,
    queryFn: async () => unwrap(await consoleApi.GET('/v1/audit-events/verification')),
  });
}

/** The streamed export's address (a same-origin GET: the browser downloads it with the cookie). */
export function exportUrl(query: AuditQuery, format: 'csv' | 'ndjson'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && k !== 'cursor' && k !== 'limit') q.set(k, String(v));
  q.set('format', format);
  return `/v1/audit-events/export?${q.toString()}`;
}
