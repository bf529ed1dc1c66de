import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useSetDirectory, type WizardState } from '../api/wizard';
import { directoryError } from '../lib/validate';

export function DirectoryStep({ state, onDone }: { state: WizardState; onDone: () => void }) {
  const [value, setValue] = useState(state.directory?.input ?? '');
  const [touched, setTouched] = useState(false);
  const save = useSetDirectory();
  const local = touched ? directoryError(value) : undefined;
  const server = save.error instanceof ApiProblem ? (save.error.fieldError('tenant') ?? (save.error.status === 422 || save.error.code === 'directory_in_use' ? problemMessage(save.error) : undefined)) : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (directoryError(value)) return;
    save.mutate(value.trim(), { onSuccess: onDone });
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="dir-title">
      <h2 id="dir-title">Your Microsoft Entra directory</h2>
      <p>Find the tenant ID in the Microsoft Entra admin center under Overview, or use one of your verified domains.</p>
      {state.directory && (
        <Alert tone="success">
          <p>
            Connected to directory <code>{state.directory.entra_tenant_id}</code> (entered as {state.directory.input}). Entering a different directory
            clears the later steps.
          </p>
        </Alert>
      )}
      <Field
        label="Tenant ID or verified domain"
        hint="For example 00000000-0000-0000-0000-000000000000 or contoso.onmicrosoft.com"
        name="tenant"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => setTouched(true)}
        error={local ?? (save.isPending ? undefined : server)}
      />
      {save.error && !server && <Alert tone="error">{problemMessage(save.error)}</Alert>}
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Checking…' : 'Save and continue'}
        </button>
      </div>
    </form>
  );
}
