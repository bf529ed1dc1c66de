import { createContext, useContext } from 'react';

/** The three console roles, strongest first. */
export type Role = 'admin' | 'manager' | 'viewer';

const RANK: Record<Role, number> = { admin: 3, manager: 2, viewer: 1 };

/** What every console feature needs to know about who is signed in. */
export interface ConsoleSession {
  role: Role;
  displayName: string;
  tenantId: string;
}

export const SessionContext = createContext<ConsoleSession | null>(null);

export function useConsoleSession(): ConsoleSession {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useConsoleSession outside the signed-in console');
  return s;
}

/** Whether the signed-in person's role is at least `min` (what a role may not do is not offered). */
export function useCan(min: Role): boolean {
  const s = useContext(SessionContext);
  return s !== null && RANK[s.role] >= RANK[min];
}

export function atLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}
