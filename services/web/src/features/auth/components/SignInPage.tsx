import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Alert } from '@/components/Alert';
import { Field } from '@/components/Field';
import { PageTitle } from '@/components/PageTitle';
import { signInUrl } from '../api/auth';
import { EmergencySignIn } from './EmergencySignIn';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Microsoft's and our refusals, explained with what to do.
const SIGNIN_ERRORS: Record<string, { title: string; fix: string }> = {
  mfa_required: { title: 'Multi-factor authentication is required', fix: 'Complete multi-factor authentication at Microsoft, then sign in again.' },
  conditional_access_blocked: { title: 'A Conditional Access policy blocked the sign-in', fix: 'Ask your IT administrator to allow Patient Access for your account (or to exclude it from the policy), then sign in again.' },
  user_not_assigned: { title: 'You are not assigned to Patient Access', fix: 'Ask your IT administrator to assign you to the Patient Access application in Entra ID.' },
  account_disabled: { title: 'Your Microsoft account is disabled', fix: 'Ask your IT administrator to enable your account.' },
  no_console_role: { title: 'You have no role in the Patient Access Admin Console', fix: 'Ask a Patient Access administrator to add you to an admin or user group. If setup has just finished, the first synchronisation of your directory may still be running: try again in a minute.' },
  user_inactive: { title: 'Your access to Patient Access is inactive', fix: 'Your account is no longer active in the synchronised directory. Ask your IT administrator.' },
  user_blocked: { title: 'Your access was blocked by an administrator', fix: 'Ask a Patient Access administrator to reactivate you.' },
  tenant_not_active: { title: 'This organization’s Patient Access is not active', fix: 'Setup may not be finished, or the tenant was suspended. Contact your Patient Access representative.' },
  tenant_unknown: { title: 'Unknown organization', fix: 'Open the console link from your email: it names your organization.' },
  signin_state_invalid: { title: 'The sign-in expired or was started in another browser', fix: 'Sign in again from this page.' },
  id_token_invalid: { title: 'Microsoft’s answer could not be verified', fix: 'Sign in again. If it keeps failing, contact support.' },
  directory_unavailable: { title: 'Microsoft could not be reached', fix: 'Try again in a minute.' },
};

/** The console's front door: `/?tenant={id}` from the mailed link → Sign in with Microsoft. */
export function SignInPage() {
  const [params] = useSearchParams();
  const tenant = params.get('tenant') ?? '';
  const error = params.get('signin_error');
  const [entered, setEntered] = useState(tenant);
  const [touched, setTouched] = useState(false);
  const known = error ? SIGNIN_ERRORS[error] : undefined;

  function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (GUID.test(entered.trim())) window.location.assign(signInUrl(entered.trim()));
  }

  return (
    <main id="main" className="narrow">
      <PageTitle>Patient Access Admin Console</PageTitle>
      {error && (
        <Alert tone="error" title={known?.title ?? 'Sign-in was refused'}>
          <p>{known?.fix ?? `Microsoft or Patient Access refused the sign-in (${error}). Try again, or ask your IT administrator.`}</p>
        </Alert>
      )}
      <div className="panel">
        {GUID.test(tenant) ? (
          <>
            <p>Sign in with your organization’s Microsoft account.</p>
            <p>
              <a className="button" href={signInUrl(tenant)}>
                Sign in with Microsoft
              </a>
            </p>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <p>Open the console link from your email, or enter your organization’s Patient Access tenant ID.</p>
            <Field
              label="Patient Access tenant ID"
              value={entered}
              onChange={(e) => setEntered(e.target.value)}
              onBlur={() => setTouched(true)}
              error={touched && !GUID.test(entered.trim()) ? 'Enter the tenant ID from your console link (a GUID).' : undefined}
            />
            <button type="submit">Sign in with Microsoft</button>
          </form>
        )}
      </div>
      <EmergencySignIn tenantId={GUID.test(tenant) ? tenant : ''} />
    </main>
  );
}
