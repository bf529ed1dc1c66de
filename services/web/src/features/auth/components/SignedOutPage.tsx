import { useSearchParams } from 'react-router';
import { Alert } from '@/components/Alert';
import { PageTitle } from '@/components/PageTitle';
import { signInUrl } from '../api/auth';

const REASONS: Record<string, { title: string; text: string }> = {
  inactivity: {
    title: 'You were signed out for inactivity',
    text: 'To protect patient information, the console signs you out after a period without activity (HIPAA automatic logoff). Nothing was lost.',
  },
  ended: {
    title: 'Your session has ended',
    text: 'Your session expired or was ended (by an administrator, or because your access changed).',
  },
  signed_out: { title: 'You are signed out', text: 'You signed out of the Patient Access Admin Console.' },
};

export function SignedOutPage() {
  const [params] = useSearchParams();
  const reason = REASONS[params.get('reason') ?? 'signed_out'] ?? REASONS.signed_out!;
  const tenant = params.get('tenant');
  return (
    <main id="main" className="narrow">
      <PageTitle>{reason.title}</PageTitle>
      <Alert tone={params.get('reason') === 'signed_out' ? 'info' : 'warning'}>
        <p>{reason.text}</p>
      </Alert>
      <p>
        {tenant ? (
          <a className="button" href={signInUrl(tenant)}>
            Sign in again
          </a>
        ) : (
          'Open the console link from your email to sign in again.'
        )}
      </p>
    </main>
  );
}
