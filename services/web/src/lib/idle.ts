import { useEffect, useRef, useState } from 'react';

/** Seconds before the server's idle timeout at which the warning appears. */
export const WARN_BEFORE_SECONDS = 60;

let lastActivity = Date.now();

/** The person did something (a key, a click, a navigation). */
export function noteActivity(at = Date.now()): void {
  lastActivity = at;
  for (const l of listeners) l(at);
}
const listeners = new Set<(at: number) => void>();

export type IdlePhase = { phase: 'active' } | { phase: 'warning'; secondsLeft: number } | { phase: 'expired' };

/** Automatic logoff in the browser: `warning` during the last WARN_BEFORE_SECONDS of the
 *  tenant's idle timeout counted from the person's last activity, then `expired` (the console
 *  then signs out). The server enforces the same timeout on its own for a browser that is gone. */
export function useIdleTimer(idleTimeoutSeconds: number | undefined): IdlePhase {
  const [last, setLast] = useState(lastActivity);
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

/** Listens for the person's activity on the page (throttled to once a second). */
export function useActivityTracking(): void {
  useEffect(() => {
    let last = 0;
    const on = () => {
      const now = Date.now();
      if (now - last > 1000) {
        last = now;
        noteActivity(now);
      }
    };
    const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, on, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, on);
    };
  }, []);
}
