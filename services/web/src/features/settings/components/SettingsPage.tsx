import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useCan } from '@/lib/session';
import { useChangeSettings, useSettings, type SettingsPatch } from '../api/settings';

type Key = Extract<keyof SettingsPatch, string>;
// Each setting as a person thinks of it (minutes, hours, days), with the API's bounds.
const FIELDS: { key: Key; label: string; unit: string; factor: number; min: number; max: number; hint: string }[] = [
  { key: 'idle_timeout_secs', label: 'Automatic logoff after inactivity', unit: 'minutes', factor: 60, min: 5, max: 60, hint: 'HIPAA automatic logoff: 5–60 minutes (default 15).' },
  { key: 'absolute_lifetime_secs', label: 'Longest session', unit: 'hours', factor: 3600, min: 1, max: 24, hint: 'Sessions end this long after sign-in: 1–24 hours (default 12).' },
  { key: 'sync_interval_secs', label: 'Directory sync interval', unit: 'seconds', factor: 1, min: 10, max: 86400, hint: 'Between incremental syncs: 10–86,400 seconds.' },
  { key: 'deactivation_threshold_percent', label: 'Hold a sync deactivating more than', unit: '% of active users', factor: 1, min: 0, max: 100, hint: 'Larger mass deactivations wait for an Admin’s approval.' },
  { key: 'deactivation_threshold_count', label: 'and at least', unit: 'users', factor: 1, min: 1, max: 1000000, hint: 'The hold applies from this many deactivations.' },
  { key: 'audit_retention_days', label: 'Keep audit records for', unit: 'days', factor: 1, min: 365, max: 36525, hint: '365–36,525 days (default 2,192: six years, HIPAA 164.316).' },
];

export function SettingsPage() {
  const settings = useSettings();
  const isAdmin = useCan('admin');
  const change = useChangeSettings();
  const [draft, setDraft] = useState<Record<string, string>>({});
  if (settings.isPending) return <Loading what="Loading settings" />;
  if (settings.error || !settings.data) return <Alert tone="error">{problemMessage(settings.error)}</Alert>;
  const s = settings.data;
  const current = (key: Key) => String(Math.round(Number(s[key]) / (FIELDS.find((f) => f.key === key)?.factor ?? 1)));
  const problem = change.error instanceof ApiProblem ? change.error : undefined;

  function submit(e: FormEvent) {
    e.preventDefault();
    const patch: Record<string, number> = {};
    for (const f of FIELDS) {
      const v = draft[f.key];
      if (v !== undefined && v !== current(f.key)) patch[f.key] = Math.round(Number(v) * f.factor);
    }
    if (Object.keys(patch).length) change.mutate(patch as SettingsPatch, { onSuccess: () => setDraft({}) });
  }

  return (
    <>
      <PageTitle>Settings</PageTitle>
      {!isAdmin && <p>Only Admins can change these settings.</p>}
      <form className="panel" onSubmit={submit} noValidate>
        {FIELDS.map((f) => (
          <Field
            key={f.key}
            label={`${f.label} (${f.unit})`}
            hint={f.hint}
            type="number"
            inputMode="numeric"
            min={f.min}
            max={f.max}
            readOnly={!isAdmin}
            value={draft[f.key] ?? current(f.key)}
            onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
            error={problem?.fieldError(f.key)}
          />
        ))}
        {change.error && !problem?.errors.length && <Alert tone="error">{problemMessage(change.error)}</Alert>}
        {change.isSuccess && <Alert tone="success">Settings saved.</Alert>}
        {isAdmin && (
          <div className="actions">
            <button type="submit" disabled={change.isPending}>
              Save settings
            </button>
          </div>
        )}
      </form>
    </>
  );
}
