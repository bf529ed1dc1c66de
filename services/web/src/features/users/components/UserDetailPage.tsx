import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert } from '@/components/Alert';
import { Select } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatDateTime } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useCan } from '@/lib/session';
import { useAssignRole, useDeactivate, useEndUserSessions, useReactivate, useRemoveRole, useUser, type DirectRoleIn } from '../api/users';

/** One user: facts, where each role comes from, status history, and what the viewer may do. */
export function UserDetailPage() {
  const { objectId = '' } = useParams();
  const user = useUser(objectId);
  if (user.isPending) return <Loading what="Loading the user" />;
  if (user.error || !user.data) {
    return (
      <>
        <PageTitle>User</PageTitle>
        <Alert tone="error">{problemMessage(user.error)}</Alert>
        <Link to="/users">Back to users</Link>
      </>
    );
  }
  const { grants, history, last_sign_in_at, ...u } = user.data;
  return (
    <>
      <p>
        <Link to="/users">← Users</Link>
      </p>
      <PageTitle>{u.display_name ?? u.user_principal_name}</PageTitle>
      <section className="panel" aria-labelledby="facts">
        <h2 id="facts">Account</h2>
        <dl className="facts">
          <dt>User principal name</dt>
          <dd>{u.user_principal_name}</dd>
          <dt>Mail</dt>
          <dd>{u.mail ?? '—'}</dd>
          <dt>Entra object id</dt>
          <dd>
            <code>{u.object_id}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            <span className={`badge badge-${u.status}`}>{u.status}</span> {u.status_reason && <span className="muted">({u.status_reason})</span>}{' '}
            {u.blocked && <span className="badge badge-blocked">blocked in Patient Access</span>}
          </dd>
          <dt>In Entra ID</dt>
          <dd>
            {u.directory_state}, account {u.account_enabled ? 'enabled' : 'disabled'}
          </dd>
          <dt>Role</dt>
          <dd>{u.role ?? 'No role'}</dd>
          <dt>Last sign-in</dt>
          <dd>{formatDateTime(last_sign_in_at)}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="prov">
        <h2 id="prov">Where the role comes from</h2>
        {grants.length === 0 ? (
          <p>No group or direct assignment grants a role.</p>
        ) : (
          <ul>
            {grants.map((g, i) => (
              <li key={i}>
                <strong>{g.role}</strong> — {g.source === 'group' ? `member of group ${g.group_name ?? g.group_id}` : g.source === 'direct' ? 'assigned directly' : g.source}
              </li>
            ))}
          </ul>
        )}
      </section>
      <UserActions objectId={u.object_id} status={u.status} blocked={u.blocked} hasDirect={grants.some((g) => g.source === 'direct')} />
      <section className="panel" aria-labelledby="hist">
        <h2 id="hist">History</h2>
        {history.length === 0 ? (
          <p>No change recorded yet.</p>
        ) : (
          <div className="table-wrap">
            <table aria-label="Status and role history">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Change</th>
                  <th scope="col">Role</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h, i) => (
                  <tr key={i}>
                    <td>{formatDateTime(h.occurred_at)}</td>
                    <td>{h.change}</td>
                    <td>{h.from_role || h.to_role ? `${h.from_role ?? '—'} → ${h.to_role ?? '—'}` : ''}</td>
                    <td>{h.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function UserActions({ objectId, status, blocked, hasDirect }: { objectId: string; status: string; blocked: boolean; hasDirect: boolean }) {
  const canStatus = useCan('manager');
  const isAdmin = useCan('admin');
  const deactivate = useDeactivate();
  const reactivate = useReactivate();
  const assign = useAssignRole();
  const remove = useRemoveRole();
  const endSessions = useEndUserSessions();
  const [role, setRole] = useState<DirectRoleIn['role']>('viewer');
  if (!canStatus) return null;
  const error = deactivate.error ?? reactivate.error ?? assign.error ?? remove.error ?? endSessions.error;
  const done = endSessions.isSuccess ? 'Their sessions were ended.' : undefined;
  return (
    <section className="panel" aria-labelledby="act">
      <h2 id="act">Actions</h2>
      {error && <Alert tone="error">{problemMessage(error)}</Alert>}
      {done && <Alert tone="success">{done}</Alert>}
      <div className="actions">
        {blocked || status !== 'active' ? (
          <button type="button" onClick={() => reactivate.mutate({ objectId, value: undefined })} disabled={reactivate.isPending}>
            Reactivate in Patient Access
          </button>
        ) : (
          <button type="button" className="danger" onClick={() => deactivate.mutate({ objectId, value: undefined })} disabled={deactivate.isPending}>
            Deactivate in Patient Access
          </button>
        )}
        {isAdmin && (
          <button type="button" className="secondary" onClick={() => endSessions.mutate({ objectId, value: undefined })} disabled={endSessions.isPending}>
            End their sessions
          </button>
        )}
      </div>
      {isAdmin && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            assign.mutate({ objectId, value: { role } });
          }}
        >
          <Select label="Direct role" value={role} onChange={(e) => setRole(e.target.value as DirectRoleIn['role'])} error={assign.error instanceof ApiProblem ? assign.error.fieldError('role') : undefined}>
            <option value="viewer">Viewer</option>
            <option value="manager">Manager</option>
            <option value="admin">Admin</option>
          </Select>
          <div className="actions">
            <button type="submit" disabled={assign.isPending}>
              Assign direct role
            </button>
            {hasDirect && (
              <button type="button" className="secondary" onClick={() => remove.mutate({ objectId, value: undefined })} disabled={remove.isPending}>
                Remove direct role
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
