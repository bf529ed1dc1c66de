import { useState } from 'react';
import { Alert } from '@/components/Alert';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatCount, formatDateTime } from '@/lib/format';
import { problemMessage } from '@/lib/problem';
import { useCan } from '@/lib/session';
import { useDecide, useRun, useRuns, useSyncNow, useSyncStatus, type RunOut } from '../api/sync';

/** Sync: status with live progress, "sync now", held runs to approve or reject, history. */
export function SyncPage() {
  const status = useSyncStatus();
  const canSync = useCan('manager');
  const canDecide = useCan('admin');
  const syncNow = useSyncNow();
  const s = status.data;
  const run = s?.current_run;
  return (
    <>
      <PageTitle>Sync</PageTitle>
      {status.isPending && <Loading what="Loading the sync status" />}
      {status.error && <Alert tone="error">{problemMessage(status.error)}</Alert>}
      {s && (
        <section className="panel" aria-labelledby="status-title">
          <h2 id="status-title">Status</h2>
          {s.needs_attention && (
            <Alert tone="warning" title="The directory needs attention">
              <p>
                {s.needs_attention.reason}
                {s.needs_attention.code && ` (${s.needs_attention.code})`}
              </p>
              {s.needs_attention.remediation && <p>{s.needs_attention.remediation}</p>}
            </Alert>
          )}
          {!s.registered && <p>The first synchronisation has not started yet.</p>}
          <dl className="facts">
            <dt>Last successful sync</dt>
            <dd>{formatDateTime(s.last_success_at)}</dd>
            <dt>Next incremental sync</dt>
            <dd>{formatDateTime(s.next_incremental_at)}</dd>
            <dt>Interval</dt>
            <dd>{s.sync_interval_secs ? `${s.sync_interval_secs} s` : '—'}</dd>
          </dl>
          {run && <CurrentRun run={run} canDecide={canDecide} />}
          {canSync && (
            <div className="actions">
              <button type="button" onClick={() => syncNow.mutate({ kind: 'incremental' })} disabled={syncNow.isPending}>
                Sync now
              </button>
              <button type="button" className="secondary" onClick={() => syncNow.mutate({ kind: 'full' })} disabled={syncNow.isPending}>
                Full sync now
              </button>
              {syncNow.isSuccess && <span role="status">Sync requested.</span>}
            </div>
          )}
          {syncNow.error && <Alert tone="error">{problemMessage(syncNow.error)}</Alert>}
        </section>
      )}
      <History />
    </>
  );
}

function CurrentRun({ run, canDecide }: { run: RunOut; canDecide: boolean }) {
  const active = run.status === 'queued' || run.status === 'running';
  return (
    <div>
      <h3>
        {active ? 'Running now' : 'Latest run'}: {run.kind} sync <span className={`badge badge-${run.status}`}>{run.status}</span>
      </h3>
      {active && (
        <div className="field">
          <label htmlFor="sync-progress">Progress</label>
          <progress id="sync-progress" max={100} value={run.progress_percent ?? undefined} aria-valuetext={progressText(run)}>
            {run.progress_percent ?? 0}%
          </progress>
          <p aria-live="polite">{progressText(run)}</p>
        </div>
      )}
      <RunFacts run={run} />
      {run.status === 'held' && <HeldRun runId={run.id} canDecide={canDecide} />}
    </div>
  );
}

function progressText(run: RunOut): string {
  const total = run.objects_total ? ` of ${formatCount(run.objects_total)}` : '';
  const pct = run.progress_percent !== null && run.progress_percent !== undefined ? ` (${run.progress_percent}%)` : '';
  return `${formatCount(run.objects_read)}${total} objects read${pct}`;
}

function RunFacts({ run }: { run: RunOut }) {
  return (
    <p className="small">
      Queued {formatDateTime(run.queued_at)} · {run.trigger} · created {formatCount(run.users_created)}, updated {formatCount(run.users_updated)}, deactivated{' '}
      {formatCount(run.users_deactivated)}, reactivated {formatCount(run.users_reactivated)}
      {run.error_message && <span className="check-fail"> · {run.error_message}</span>}
    </p>
  );
}

function HeldRun({ runId, canDecide }: { runId: string; canDecide: boolean }) {
  const detail = useRun(runId);
  const decide = useDecide();
  const held = detail.data?.held ?? [];
  return (
    <Alert tone="warning" title="This run is held: it would deactivate many users">
      <p>
        {formatCount(detail.data?.held_changes)} change(s) wait for an administrator’s decision, because they exceed the deactivation threshold.
      </p>
      {held.length > 0 && (
        <ul>
          {held.slice(0, 20).map((h) => (
            <li key={h.object_id}>
              {h.display_name ?? h.user_principal_name ?? h.object_id}: {h.change}
              {h.reason && ` (${h.reason})`}
            </li>
          ))}
          {held.length > 20 && <li>… and {held.length - 20} more</li>}
        </ul>
      )}
      {canDecide ? (
        <div className="actions">
          <button type="button" className="danger" onClick={() => decide.mutate({ runId, decision: 'approve' })} disabled={decide.isPending}>
            Approve the deactivations
          </button>
          <button type="button" className="secondary" onClick={() => decide.mutate({ runId, decision: 'reject' })} disabled={decide.isPending}>
            Reject them
          </button>
          {decide.isSuccess && <span role="status">Decision sent.</span>}
        </div>
      ) : (
        <p>An Admin decides whether to apply them.</p>
      )}
      {decide.error && <p className="field-error">{problemMessage(decide.error)}</p>}
    </Alert>
  );
}

function History() {
  const [cursors, setCursors] = useState<string[]>([]);
  const runs = useRuns(cursors[cursors.length - 1]);
  return (
    <section aria-labelledby="hist-title">
      <h2 id="hist-title">History</h2>
      {runs.error && <Alert tone="error">{problemMessage(runs.error)}</Alert>}
      {runs.data && (
        <>
          <div className="table-wrap">
            <table aria-label="Sync runs">
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Read</th>
                  <th scope="col">Created</th>
                  <th scope="col">Updated</th>
                  <th scope="col">Deactivated</th>
                  <th scope="col">Finished</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.items.length === 0 && (
                  <tr>
                    <td colSpan={8}>No run yet.</td>
                  </tr>
                )}
                {runs.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>{formatDateTime(r.queued_at)}</td>
                    <td>
                      {r.kind} <span className="muted small">({r.trigger})</span>
                    </td>
                    <td>
                      <span className={`badge badge-${r.status}`}>{r.status}</span>
                      {r.error_code && <span className="muted small"> {r.error_code}</span>}
                    </td>
                    <td>{formatCount(r.objects_read)}</td>
                    <td>{formatCount(r.users_created)}</td>
                    <td>{formatCount(r.users_updated)}</td>
                    <td>{formatCount(r.users_deactivated)}</td>
                    <td>{formatDateTime(r.finished_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of runs">
            <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer runs
            </button>
            <button type="button" className="secondary" disabled={!runs.data.next_cursor} onClick={() => runs.data?.next_cursor && setCursors((c) => [...c, runs.data!.next_cursor!])}>
              Older runs
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
