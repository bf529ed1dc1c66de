import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatCount, formatDateTime } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { exportUrl, useAuditEvents, useChainVerification, type AuditQuery } from '../api/audit';

interface Filters {
  since: string;
  until: string;
  actor_id: string;
  action: string;
  target_id: string;
}
const EMPTY: Filters = { since: '', until: '', actor_id: '', action: '', target_id: '' };

function toQuery(f: Filters): AuditQuery {
  const q: AuditQuery = { limit: 50 };
  if (f.since) q.since = new Date(f.since).toISOString();
  if (f.until) q.until = new Date(f.until).toISOString();
  if (f.actor_id.trim()) q.actor_id = f.actor_id.trim();
  if (f.action.trim()) q.action = f.action.trim();
  if (f.target_id.trim()) q.target_id = f.target_id.trim();
  return q;
}

/** The audit log: filters, the hash chain's status, pages, CSV/NDJSON download. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<string[]>([]);
  const base = toQuery(applied);
  const events = useAuditEvents({ ...base, ...(cursors.length ? { cursor: cursors[cursors.length - 1] } : {}) });
  const problem = events.error instanceof ApiProblem ? events.error : undefined;
  const fieldErr = (name: string) => problem?.fieldError(name);

  function apply(e: FormEvent) {
    e.preventDefault();
    setApplied(draft);
    setCursors([]);
  }
  const bind = (k: keyof Filters) => ({ value: draft[k], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [k]: e.target.value }), error: fieldErr(k) });

  return (
    <>
      <PageTitle>Audit log</PageTitle>
      <ChainStatus />
      <form className="panel" onSubmit={apply} aria-label="Filter the audit log">
        <div className="row">
          <Field label="From" type="datetime-local" {...bind('since')} />
          <Field label="Until" type="datetime-local" {...bind('until')} />
          <Field label="Actor id" hint="Entra object id, token or account id" {...bind('actor_id')} />
          <Field label="Action" hint="e.g. session.signed_in or session.*" {...bind('action')} />
          <Field label="Target id" {...bind('target_id')} />
        </div>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={() => { setDraft(EMPTY); setApplied(EMPTY); setCursors([]); }}>
            Clear
          </button>
          <a className="button secondary" href={exportUrl(base, 'csv')} download>
            Download CSV
          </a>
          <a className="button secondary" href={exportUrl(base, 'ndjson')} download>
            Download NDJSON
          </a>
        </div>
      </form>
      {events.error && !problem?.errors.length && <Alert tone="error">{problemMessage(events.error)}</Alert>}
      {events.isPending && <Loading what="Loading the audit log" />}
      {events.data && (
        <>
          <div className="table-wrap">
            <table aria-label="Audit records">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Client</th>
                  <th scope="col">Request id</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.length === 0 && (
                  <tr>
                    <td colSpan={7}>No record matches.</td>
                  </tr>
                )}
                {events.data.items.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">{formatDateTime(e.occurred_at)}</td>
                    <td>
                      {e.actor_type}
                      <br />
                      <span className="small muted">{e.actor_id}</span>
                    </td>
                    <td>
                      <code className="code-word">{breakAfterDots(e.action)}</code>
                    </td>
                    <td>
                      {e.target_type}
                      {e.target_id && (
                        <>
                          <br />
                          <span className="small muted">{e.target_id}</span>
                        </>
                      )}
                    </td>
                    <td>{e.outcome}</td>
                    <td>{e.client_addr ?? '—'}</td>
                    <td className="small">{e.request_id ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of audit records">
            <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </button>
            <button type="button" className="secondary" disabled={!events.data.next_cursor} onClick={() => events.data?.next_cursor && setCursors((c) => [...c, events.data!.next_cursor!])}>
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}

function ChainStatus() {
  const v = useChainVerification();
  if (v.isPending) return <Loading what="Verifying the audit chain" />;
  if (v.error) return <Alert tone="error">{problemMessage(v.error)}</Alert>;
  const d = v.data;
  return d.intact ? (
    <Alert tone="success" title="Audit chain intact">
      <p>
        {formatCount(d.verified)} sealed records verified{d.unsealed ? `; ${formatCount(d.unsealed)} not sealed yet` : ''}.
      </p>
    </Alert>
  ) : (
    <Alert tone="error" title="Audit chain broken">
      <p>
        The first broken record is at position {d.broken_seq}
        {d.broken_record_id && <> (record {d.broken_record_id})</>}: {d.explanation ?? d.reason}
      </p>
    </Alert>
  );
}

/** An action code that may wrap after its dots only (`session.` / `signed_in`), never inside a word. */
function breakAfterDots(code: string) {
  return code.split('.').map((part, i, parts) => (
    <span key={i}>
      {part}
      {i < parts.length - 1 && (
        <>
          .<wbr />
        </>
      )}
    </span>
  ));
}
