import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { CopyText } from '@/components/CopyText';
import { Field, Select } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatDateTime } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useCreateToken, useRevokeToken, useTokens, type ApiTokenIn } from '../api/tokens';

/** API tokens for partner tools: created (shown once), listed, revoked. Admins only. */
export function ApiTokensPage() {
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiTokenIn['role']>('viewer');
  const [days, setDays] = useState('90');
  const problem = create.error instanceof ApiProblem ? create.error : undefined;
  const created = create.data?.token;

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name: name.trim(), role, expires_in_days: Number(days) }, { onSuccess: () => setName('') });
  }

  return (
    <>
      <PageTitle>API tokens</PageTitle>
      <p>Partner tools call the Patient Access API with a token. A token acts with its role (never above yours), expires, and every use is audited.</p>
      {created && (
        <div className="secret-once" role="status">
          <p>
            <strong>Copy the token now: it is shown only this once.</strong>
          </p>
          <CopyText value={created} label="the new API token" />
        </div>
      )}
      <form className="panel" onSubmit={submit} noValidate aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <div className="row">
          <Field label="Name" hint="What uses it, e.g. siem-export" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} error={problem?.fieldError('name')} />
          <Select label="Role" value={role} onChange={(e) => setRole(e.target.value as ApiTokenIn['role'])} error={problem?.fieldError('role')}>
            <option value="viewer">Viewer</option>
            <option value="manager">Manager</option>
            <option value="admin">Admin</option>
          </Select>
          <Field label="Expires in (days)" type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} error={problem?.fieldError('expires_in_days')} />
        </div>
        {create.error && !problem?.errors.length && <Alert tone="error">{problemMessage(create.error)}</Alert>}
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {tokens.isPending && <Loading what="Loading tokens" />}
      {(tokens.error ?? revoke.error) && <Alert tone="error">{problemMessage(tokens.error ?? revoke.error)}</Alert>}
      {tokens.data && (
        <div className="table-wrap">
          <table aria-label="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Role</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.length === 0 && (
                <tr>
                  <td colSpan={6}>No token yet.</td>
                </tr>
              )}
              {tokens.data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.prefix}</code>
                  </td>
                  <td>{t.role}</td>
                  <td>{formatDateTime(t.expires_at)}</td>
                  <td>{formatDateTime(t.last_used_at)}</td>
                  <td>
                    {t.revoked_at ? (
                      <span className="badge badge-failed">revoked</span>
                    ) : (
                      <button type="button" className="button-small secondary" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending} aria-label={`Revoke ${t.name}`}>
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
