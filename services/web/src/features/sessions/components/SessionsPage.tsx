import { useState } from 'react';
import { Alert } from '@/components/Alert';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatDateTime } from '@/lib/format';
import { problemMessage } from '@/lib/problem';
import { useCan } from '@/lib/session';
import { useEndAll, useEndSession, useOwnSessions } from '../api/sessions';

/** Your own sessions (end any); Admins may end every session of the organization. */
export function SessionsPage() {
  const sessions = useOwnSessions();
  const end = useEndSession();
  const endAll = useEndAll();
  const isAdmin = useCan('admin');
  const [confirmAll, setConfirmAll] = useState(false);
  return (
    <>
      <PageTitle>Sessions</PageTitle>
      <h2>Your sessions</h2>
      {sessions.isPending && <Loading what="Loading your sessions" />}
      {(sessions.error ?? end.error) && <Alert tone="error">{problemMessage(sessions.error ?? end.error)}</Alert>}
      {sessions.data && (
        <div className="table-wrap">
          <table aria-label="Your sessions">
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">Ends at the latest</th>
                <th scope="col">Client</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    {formatDateTime(s.created_at)} {s.current && <span className="badge badge-active">this browser</span>}
                  </td>
                  <td>{formatDateTime(s.last_seen_at)}</td>
                  <td>{formatDateTime(s.absolute_expires_at)}</td>
                  <td>
                    {s.client_addr ?? '—'}
                    <br />
                    <span className="small muted">{s.user_agent}</span>
                  </td>
                  <td>
                    {!s.current && (
                      <button type="button" className="button-small secondary" onClick={() => end.mutate(s.id)} disabled={end.isPending} aria-label={`End the session started ${formatDateTime(s.created_at)}`}>
                        End
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {isAdmin && (
        <section className="panel" aria-labelledby="all-title">
          <h2 id="all-title">Every session of your organization</h2>
          <p>Ends every console session of every user now, including yours. Everyone must sign in again.</p>
          {endAll.error && <Alert tone="error">{problemMessage(endAll.error)}</Alert>}
          {confirmAll ? (
            <div className="actions">
              <button type="button" className="danger" onClick={() => endAll.mutate()} disabled={endAll.isPending}>
                Yes, end every session
              </button>
              <button type="button" className="secondary" onClick={() => setConfirmAll(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmAll(true)}>
              End all sessions…
            </button>
          )}
        </section>
      )}
    </>
  );
}
