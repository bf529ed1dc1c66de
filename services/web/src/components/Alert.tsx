import type { ReactNode } from 'react';

type Tone = 'error' | 'warning' | 'success' | 'info';

/** A message box: errors and warnings are announced (role=alert), the rest are status. */
export function Alert({ tone, title, children }: { tone: Tone; title?: string; children?: ReactNode }) {
  const role = tone === 'error' || tone === 'warning' ? 'alert' : 'status';
  return (
    <div className={`alert alert-${tone}`} role={role}>
      {title && <p className="alert-title">{title}</p>}
      {children}
    </div>
  );
}
