import { Alert } from '@/components/Alert';
import type { MicrosoftFailure } from '../api/wizard';

/** Microsoft's error, what it means and the fix. */
export function Failure({ failure, title }: { failure: MicrosoftFailure; title?: string }) {
  return (
    <Alert tone="error" title={title ?? TITLES[failure.code] ?? 'Microsoft refused'}>
      <p>{failure.message}</p>
      <p>
        <strong>How to fix it: </strong>
        {failure.remediation}
      </p>
      {failure.missing_permissions && failure.missing_permissions.length > 0 && (
        <p>
          Missing permissions: <strong>{failure.missing_permissions.join(', ')}</strong>
        </p>
      )}
      <p className="small muted">
        {failure.microsoft_code && <>Microsoft error {failure.microsoft_code}. </>}
        {failure.request_id && <>Request id {failure.request_id}.</>}
      </p>
    </Alert>
  );
}

const TITLES: Record<string, string> = {
  consent_declined: 'Consent was declined',
  admin_approval_required: 'An administrator must grant consent',
  conditional_access_blocked: 'A Conditional Access policy blocked Patient Access',
  mfa_required: 'Multi-factor authentication is required',
  tenant_mismatch: 'Consent was given in a different directory',
  missing_permissions: 'Some permissions were not granted',
  consent_not_completed: 'Microsoft is still applying the consent',
  app_not_in_tenant: 'Patient Access is not in your directory',
  consent_revoked: 'Consent was revoked',
  access_denied: 'Microsoft denied access',
};
