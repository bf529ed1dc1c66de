import { Alert } from '@/components/Alert';
import { formatDateTime } from '@/lib/format';
import type { WizardState } from '../api/wizard';

export function Done({ state }: { state: WizardState }) {
  const c = state.completion;
  return (
    <section aria-labelledby="done-title">
      <Alert tone="success" title="Setup is complete">
        <p>
          Patient Access is connected to your directory ({formatDateTime(c?.completed_at)}). The first synchronisation of your users has started.
        </p>
      </Alert>
      <h2 id="done-title">Next: the Patient Access Admin Console</h2>
      <p>
        {c?.admin_mailed
          ? `${state.admin?.display_name ?? state.admin?.user_principal_name} has been emailed the console address.`
          : 'Send the console address to your administrators.'}{' '}
        Administrators sign in with their Microsoft account and find everyone under the Users tab.
      </p>
      {c && (
        <p>
          <a className="button" href={c.console_url}>
            Go to the Admin Console
          </a>
        </p>
      )}
    </section>
  );
}
