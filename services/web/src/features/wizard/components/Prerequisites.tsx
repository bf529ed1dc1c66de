import { CopyText } from '@/components/CopyText';
import type { WizardState } from '../api/wizard';

/** The checklist of the setup guide: what must be in place in Entra ID. */
export function Prerequisites({ state, onContinue }: { state: WizardState; onContinue?: () => void }) {
  const p = state.prerequisites;
  return (
    <section aria-labelledby="prereq-title">
      <h2 id="prereq-title">Before you start</h2>
      <p>
        You will connect Patient Access to your organization’s Microsoft Entra ID. You need an account with the{' '}
        <strong>{p.consent_roles.join(' or ')}</strong> role. Check these in the Microsoft Entra admin center:
      </p>
      <div className="panel">
        <h3>Patient Access egress IP addresses</h3>
        <p>Patient Access calls Microsoft only from these addresses. Add them to your Named locations and MFA trusted IPs:</p>
        <ul className="checklist">
          {p.egress_ips.map((ip) => (
            <li key={ip}>
              <CopyText value={ip} label={`IP range ${ip}`} />
            </li>
          ))}
        </ul>
      </div>
      <ol className="checklist">
        {p.checklist.map((item) => (
          <li key={item.id}>
            <strong>{item.title}</strong>
            <p>{item.instructions}</p>
            {item.values.length > 0 && item.id !== 'named_locations' && item.id !== 'mfa_trusted_ips' && (
              <ul>
                {item.values.map((v) => (
                  <li key={v}>
                    <CopyText value={v} label={v} />
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      <div className="panel">
        <h3>Permissions Microsoft will ask you to grant</h3>
        <ul>
          {p.permissions.map((perm) => (
            <li key={perm.graph_permission}>
              {perm.name} <span className="muted small">({perm.graph_permission})</span>
            </li>
          ))}
        </ul>
        <p className="small">
          Application to exclude from Conditional Access policies that require MFA: <strong>{p.application_name}</strong>, application ID{' '}
          <CopyText value={p.application_id} label="application ID" />
        </p>
      </div>
      {onContinue && (
        <div className="actions">
          <button type="button" onClick={onContinue}>
            Continue
          </button>
        </div>
      )}
    </section>
  );
}
