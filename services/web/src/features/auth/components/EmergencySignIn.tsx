import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useEmergencySignIn } from '../api/auth';

/** Emergency access when Microsoft Entra ID is unavailable (audited, alerts the organization). */
export function EmergencySignIn({ tenantId }: { tenantId: string }) {
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ tenant_id: tenantId, account_id: '', secret: '', code: '' });
  const signIn = useEmergencySignIn();
  const p = signIn.error instanceof ApiProblem ? signIn.error : undefined;
  const bind = (k: keyof typeof f) => ({ value: f[k], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setF({ ...f, [k]: e.target.value }), error: p?.fieldError(k) });
  function submit(e: FormEvent) {
    e.preventDefault();
    signIn.mutate({ ...f, tenant_id: f.tenant_id.trim(), account_id: f.account_id.trim(), code: f.code.trim() });
  }
  if (!open)
    return (
      <p>
        <button type="button" className="linklike" onClick={() => setOpen(true)}>
          Emergency access (when Microsoft sign-in is unavailable)
        </button>
      </p>
    );
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="em-title">
      <h2 id="em-title">Emergency access</h2>
      <p>Every use alerts your organization and is marked in the audit log.</p>
      <Field label="Tenant ID" autoComplete="off" {...bind('tenant_id')} />
      <Field label="Emergency account ID" autoComplete="off" {...bind('account_id')} />
      <Field label="Secret" type="password" autoComplete="off" {...bind('secret')} />
      <Field label="Authenticator code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} {...bind('code')} />
      {signIn.error && !p?.errors.length && <Alert tone="error">{problemMessage(signIn.error)}</Alert>}
      <button type="submit" disabled={signIn.isPending}>
        Sign in with emergency access
      </button>
    </form>
  );
}
