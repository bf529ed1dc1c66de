import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useSetAdmin, type WizardState } from '../api/wizard';
import { upnError } from '../lib/validate';

/** Step 4: the first Patient Access administrator, by UPN. */
export function AdminStep({ state, onDone }: { state: WizardState; onDone: () => void }) {
  const [value, setValue] = useState(state.admin?.user_principal_name ?? '');
  const [touched, setTouched] = useState(false);
  const save = useSetAdmin();
  const local = touched ? upnError(value) : undefined;
  const e = save.error;
  const server = e instanceof ApiProblem ? (e.fieldError('user_principal_name') ?? (e.status === 422 ? problemMessage(e) : undefined)) : undefined;

  function submit(ev: FormEvent) {
    ev.preventDefault();
    setTouched(true);
    if (upnError(value)) return;
    save.mutate(value.trim(), { onSuccess: onDone });
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="admin-title">
      <h2 id="admin-title">The first Patient Access administrator</h2>
      <p>Any enabled user of your directory can be the first administrator: they sign in to the admin console and can invite others.</p>
      {state.admin && (
        <Alert tone="success">
          <p>
            {state.admin.display_name ?? state.admin.user_principal_name} ({state.admin.user_principal_name}) is the initial administrator.{' '}
            {state.admin.mail ? `The console link will be mailed to ${state.admin.mail}.` : 'They have no mail address: give them the console link yourself.'}
          </p>
        </Alert>
      )}
      <Field
        label="Administrator’s user principal name"
        hint="For example dana@contoso.onmicrosoft.com"
        type="email"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(ev) => setValue(ev.target.value)}
        onBlur={() => setTouched(true)}
        error={local ?? (save.isPending ? undefined : server)}
      />
      {e && !server && <Alert tone="error">{problemMessage(e)}</Alert>}
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Looking the user up…' : 'Save and continue'}
        </button>
      </div>
    </form>
  );
}
