import { Alert } from '@/components/Alert';
import { formatDateTime } from '@/lib/format';
import { problemMessage } from '@/lib/problem';
import { useContinueToMicrosoft, useVerifyConsent, type WizardState } from '../api/wizard';
import { Failure } from './Failure';

/** Step 2: admin consent at Microsoft, and what came back. */
export function ConsentStep({ state, returned, onDone }: { state: WizardState; returned: 'granted' | 'error' | null; onDone: () => void }) {
  const go = useContinueToMicrosoft();
  const verify = useVerifyConsent();
  const c = state.consent;
  const granted = c.status === 'granted';
  return (
    <section aria-labelledby="consent-title">
      <h2 id="consent-title">Grant consent at Microsoft</h2>
      {granted ? (
        <Alert tone="success" title={returned === 'granted' ? 'Consent granted' : undefined}>
          <p>Consent was granted and verified {formatDateTime(c.granted_at)}: Patient Access can read your directory.</p>
        </Alert>
      ) : (
        <>
          <p>
            Microsoft will ask you to sign in as a <strong>{state.prerequisites.consent_roles.join(' or ')}</strong> of directory{' '}
            <code>{state.directory?.entra_tenant_id}</code> and to accept these permissions for your organization:
          </p>
          <ul>
            {state.prerequisites.permissions.map((p) => (
              <li key={p.graph_permission}>{p.name}</li>
            ))}
          </ul>
        </>
      )}
      {c.attention && <Failure failure={c.attention.failure} title="Needs attention: Microsoft no longer knows Patient Access in your directory" />}
      {!granted && c.last_error && <Failure failure={c.last_error} />}
      {verify.error && <Alert tone="error" title="Still not verified">{problemMessage(verify.error)}</Alert>}
      {go.error && <Alert tone="error">{problemMessage(go.error)}</Alert>}
      <div className="actions">
        {granted ? (
          <button type="button" onClick={onDone}>
            Continue
          </button>
        ) : (
          <>
            <button type="button" onClick={() => go.mutate()} disabled={go.isPending}>
              {c.last_error || c.attention ? 'Try again: Continue to Microsoft Authentication' : 'Continue to Microsoft Authentication'}
            </button>
            {c.can_check_again && (
              <button type="button" className="secondary" onClick={() => verify.mutate(undefined, { onSuccess: (s) => s.consent.status === 'granted' && onDone() })} disabled={verify.isPending}>
                {verify.isPending ? 'Checking…' : 'Check again'}
              </button>
            )}
          </>
        )}
      </div>
    </section>
  );
}
