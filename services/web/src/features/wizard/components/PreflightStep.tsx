import { Alert } from '@/components/Alert';
import { formatDateTime } from '@/lib/format';
import { problemMessage } from '@/lib/problem';
import { useRunPreflight, type WizardState } from '../api/wizard';
import { Failure } from './Failure';

const CHECK_LABEL: Record<string, string> = {
  organization: 'Read your organization (an app token for your directory, then the organization record)',
  users: 'Read users',
  groups: 'Read groups',
};

/** Step 3: exercise the grant the way the sync will. */
export function PreflightStep({ state, onDone }: { state: WizardState; onDone: () => void }) {
  const run = useRunPreflight();
  const p = state.preflight;
  return (
    <section aria-labelledby="pre-title">
      <h2 id="pre-title">Pre-flight checks</h2>
      <p>Patient Access now calls Microsoft Graph the way the directory sync will, from its egress IP addresses.</p>
      {p.status !== 'not_run' && (
        <ul className="checklist" aria-label="Check results">
          {p.checks.map((c) => (
            <li key={c.name}>
              <span className={c.passed ? 'check-pass' : 'check-fail'}>{c.passed ? '✓ Passed' : '✗ Failed'}</span> {CHECK_LABEL[c.name] ?? c.name}
              {c.detail && <span className="muted"> — {c.detail}</span>}
              {c.failure && <Failure failure={c.failure} />}
            </li>
          ))}
        </ul>
      )}
      {p.ran_at && <p className="small muted">Last run {formatDateTime(p.ran_at)}.</p>}
      {p.status === 'passed' && <Alert tone="success">Every check passed.</Alert>}
      {run.error && <Alert tone="error">{problemMessage(run.error)}</Alert>}
      <div className="actions">
        <button type="button" className={p.status === 'passed' ? 'secondary' : undefined} onClick={() => run.mutate()} disabled={run.isPending}>
          {run.isPending ? 'Running checks…' : p.status === 'not_run' ? 'Run the checks' : 'Run the checks again'}
        </button>
        {p.status === 'passed' && (
          <button type="button" onClick={onDone}>
            Continue
          </button>
        )}
      </div>
    </section>
  );
}
