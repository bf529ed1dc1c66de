import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { CopyText } from '@/components/CopyText';
import { Field } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatDateTime } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useAccounts, useCreateAccount, useRevokeAccount } from '../api/emergency';

/** Break-glass accounts (HIPAA 164.312(a)(2)(ii)): created and revoked by Admins. */
export function EmergencyAccessPage() {
  const accounts = useAccounts();
  const create = useCreateAccount();
  const revoke = useRevokeAccount();
  const [name, setName] = useState('');
  const problem = create.error instanceof ApiProblem ? create.error : undefined;
  const created = create.data;

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(name.trim(), { onSuccess: () => setName('') });
  }

  return (
    <>
      <PageTitle>Emergency access</PageTitle>
      <p>
        Emergency (“break glass”) accounts let an administrator in when Microsoft Entra ID is unavailable. Each needs its secret and a code from an authenticator app;
        every use opens a short session, alerts and is marked in the audit log.
      </p>
      {created && (
        <div className="secret-once" role="status">
          <p>
            <strong>Store these now, offline (for example split between two sealed envelopes): they are shown only this once.</strong>
          </p>
          <dl className="facts">
            <dt>Account</dt>
            <dd>
              {created.name} (<code>{created.id}</code>)
            </dd>
            <dt>Secret</dt>
            <dd>
              <CopyText value={created.secret} label="the secret" />
            </dd>
            <dt>Authenticator (TOTP) key</dt>
            <dd>
              <CopyText value={created.totp_secret} label="the TOTP key" />
            </dd>
            <dt>Authenticator URI</dt>
            <dd>
              <CopyText value={created.otpauth_uri} label="the authenticator URI" />
            </dd>
          </dl>
        </div>
      )}
      <form className="panel" onSubmit={submit} noValidate aria-labelledby="new-acc">
        <h2 id="new-acc">New emergency account</h2>
        <Field label="Label" hint="Not a person’s name, e.g. break-glass-1" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} error={problem?.fieldError('name')} />
        {create.error && !problem?.errors.length && <Alert tone="error">{problemMessage(create.error)}</Alert>}
        <button type="submit" disabled={create.isPending}>
          Create account
        </button>
      </form>
      {accounts.isPending && <Loading what="Loading accounts" />}
      {(accounts.error ?? revoke.error) && <Alert tone="error">{problemMessage(accounts.error ?? revoke.error)}</Alert>}
      {accounts.data && (
        <div className="table-wrap">
          <table aria-label="Emergency accounts">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.items.length === 0 && (
                <tr>
                  <td colSpan={5}>No emergency account.</td>
                </tr>
              )}
              {accounts.data.items.map((a) => (
                <tr key={a.id}>
                  <td>{a.name}</td>
                  <td>
                    {formatDateTime(a.created_at)}
                    <br />
                    <span className="small muted">by {a.created_by}</span>
                  </td>
                  <td>{formatDateTime(a.last_used_at)}</td>
                  <td>{a.revoked_at ? 'revoked' : a.locked_until ? `locked until ${formatDateTime(a.locked_until)}` : 'ready'}</td>
                  <td>
                    {!a.revoked_at && (
                      <button type="button" className="button-small secondary" onClick={() => revoke.mutate(a.id)} disabled={revoke.isPending} aria-label={`Revoke ${a.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
