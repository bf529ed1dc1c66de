import { Alert } from '@/components/Alert';
import { problemMessage } from '@/lib/problem';
import { useFinish, type WizardState } from '../api/wizard';

/** Step 6: everything chosen, then finish. */
export function SummaryStep({ state, onEdit }: { state: WizardState; onEdit: (step: 'directory' | 'admin' | 'groups') => void }) {
  const finish = useFinish();
  const g = state.groups;
  return (
    <section aria-labelledby="sum-title">
      <h2 id="sum-title">Summary</h2>
      <dl className="facts panel">
        <dt>Patient Access tenant</dt>
        <dd>{state.tenant.display_name}</dd>
        <dt>Entra directory</dt>
        <dd>
          <code>{state.directory?.entra_tenant_id}</code> ({state.directory?.input}){' '}
          <button type="button" className="button-small secondary" onClick={() => onEdit('directory')} aria-label="Change the directory">
            Change
          </button>
        </dd>
        <dt>Consent</dt>
        <dd>{state.consent.status === 'granted' ? `Granted (${state.consent.roles.join(', ')})` : state.consent.status}</dd>
        <dt>Pre-flight checks</dt>
        <dd>{state.preflight.status}</dd>
        <dt>Initial administrator</dt>
        <dd>
          {state.admin?.display_name} ({state.admin?.user_principal_name}){' '}
          <button type="button" className="button-small secondary" onClick={() => onEdit('admin')} aria-label="Change the administrator">
            Change
          </button>
        </dd>
        <dt>Admin groups</dt>
        <dd>
          {g.admin_groups.map((x) => `${x.display_name} (${x.member_count})`).join(', ')}{' '}
          <button type="button" className="button-small secondary" onClick={() => onEdit('groups')} aria-label="Change the groups">
            Change
          </button>
        </dd>
        <dt>User groups</dt>
        <dd>{g.user_groups.length ? g.user_groups.map((x) => `${x.display_name} (${x.role}, ${x.member_count})`).join(', ') : 'None'}</dd>
      </dl>
      <p>Finishing connects Patient Access to your directory and starts the first synchronisation. The setup link then stops working.</p>
      {finish.error && <Alert tone="error">{problemMessage(finish.error)}</Alert>}
      <div className="actions">
        <button type="button" onClick={() => finish.mutate()} disabled={finish.isPending}>
          {finish.isPending ? 'Finishing…' : 'Finish setup'}
        </button>
      </div>
    </section>
  );
}
