import type { Step, WizardState } from '../api/wizard';

export const STEP_LABEL: Record<Step, string> = {
  directory: 'Directory',
  consent: 'Microsoft consent',
  preflight: 'Pre-flight checks',
  admin: 'Administrator',
  groups: 'Groups',
  finish: 'Summary',
};

export type View = Step | 'prerequisites' | 'done';

/** The steps, their status, and a way back to any step already done (until finish). */
export function StepNav({ state, view, onView }: { state: WizardState; view: View; onView: (v: View) => void }) {
  const finished = state.status === 'completed';
  return (
    <nav aria-label="Setup steps">
      <ol className="steps">
        <li className="done" aria-current={view === 'prerequisites' ? 'step' : undefined}>
          {finished ? 'Prerequisites' : <button type="button" className="linklike" onClick={() => onView('prerequisites')}>Prerequisites</button>}
        </li>
        {state.steps.map((s) => {
          const reachable = !finished && (s.status === 'done' || s.status === 'current' || s.status === 'failed' || s.status === 'needs_attention');
          const label = `${STEP_LABEL[s.step]}${s.status === 'done' ? ' (done)' : s.status === 'failed' ? ' (failed)' : s.status === 'needs_attention' ? ' (needs attention)' : ''}`;
          return (
            <li key={s.step} className={s.status === 'done' ? 'done' : undefined} aria-current={view === s.step ? 'step' : undefined}>
              {reachable ? (
                <button type="button" className="linklike" onClick={() => onView(s.step)}>
                  {label}
                </button>
              ) : (
                label
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
