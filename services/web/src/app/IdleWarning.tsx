import { useEffect, useRef } from 'react';
import { useIdleTimer, useOnce } from '@/lib/idle';

/** A modal dialog during the last minute before the automatic logoff; at zero, `onExpired`. */
export function IdleWarning({ idleTimeoutSeconds, onStay, onExpired }: { idleTimeoutSeconds: number | undefined; onStay: () => void; onExpired: () => void }) {
  const idle = useIdleTimer(idleTimeoutSeconds);
  const dialog = useRef<HTMLDialogElement>(null);
  const warning = idle.phase === 'warning';
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (warning && !d.open) d.showModal();
    if (!warning && d.open) d.close();
  }, [warning]);
  useOnce(idle.phase === 'expired', onExpired);
  return (
    <dialog ref={dialog} aria-labelledby="idle-title" aria-describedby="idle-text" onCancel={(e) => { e.preventDefault(); onStay(); }}>
      <h2 id="idle-title">You are about to be signed out</h2>
      <p id="idle-text" aria-live="polite">
        For your patients’ privacy, the console signs you out after a period without activity.
        {warning && ` You will be signed out in ${idle.secondsLeft} second${idle.secondsLeft === 1 ? '' : 's'}.`}
      </p>
      <div className="actions">
        <button type="button" onClick={onStay} autoFocus>
          Stay signed in
        </button>
      </div>
    </dialog>
  );
}
