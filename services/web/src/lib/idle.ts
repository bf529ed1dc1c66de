import { useEffect, useRef, useState } from 'react';

/** Seconds before the server's idle timeout at which the warning appears. */
export const WARN_BEFORE_SECONDS = 60;

let lastServerActivity = Date.now();

/** Called for every answered request to the console API: the server's idle clock restarted. */
export function noteServerActivity(at = Date.now()): void {
  lastServerActivity = at;
  for (const l of listeners) l(at);
}
const listeners = new Set<(at: number) => void>();

export type IdlePhase = { phase: 'active' } | { phase: 'warning'; secondsLeft: number } | { phase: 'expired' };

/** Tracks the server's idle timeout from the last request the console made: `warning` for the
 *  last WARN_BEFORE_SECONDS, then `expired`. The server enforces the timeout; this only warns
 *  and makes the logoff visible. */
export function useIdleTimer(idleTimeoutSeconds: number | undefined): IdlePhase {
  const [last, setLast] = useState(lastServerActivity);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const l = (at: number) => setLast(at);
    listeners.add(l);
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      listeners.delete(l);
      clearInterval(t);
    };
  }, []);
  if (!idleTimeoutSeconds) return { phase: 'active' };
  const left = Math.ceil((last + idleTimeoutSeconds * 1000 - now) / 1000);
  if (left <= 0) return { phase: 'expired' };
  if (left <= WARN_BEFORE_SECONDS) return { phase: 'warning', secondsLeft: left };
  return { phase: 'active' };
}

/** Runs `fn` once when `when` becomes true. */
export function useOnce(when: boolean, fn: () => void) {
  const done = useRef(false);
  useEffect(() => {
    if (when && !done.current) {
      done.current = true;
      fn();
    }
  }, [when, fn]);
}
