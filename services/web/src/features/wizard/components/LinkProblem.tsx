import { Alert } from '@/components/Alert';
import type { ApiProblem } from '@/lib/problem';

// Each way the link or the session can fail, said plainly, with what to do.
const EXPLAIN: Record<string, { title: string; fix: string }> = {
  setup_link_invalid: {
    title: 'This setup link is not valid',
    fix: 'Open the complete link from your setup email (it ends with a long code). If it still fails, ask your Patient Access contact for a new link.',
  },
  setup_link_expired: {
    title: 'This setup link has expired',
    fix: 'Setup links work for a limited time. Ask your Patient Access contact to send you a new one.',
  },
  setup_link_revoked: {
    title: 'This setup link was withdrawn',
    fix: 'Your Patient Access contact revoked it. Ask them for a new setup link.',
  },
  setup_link_regenerated: {
    title: 'A newer setup link replaced this one',
    fix: 'Use the link in the most recent setup email from Patient Access.',
  },
  setup_link_used: {
    title: 'Setup is already complete',
    fix: 'This directory is connected. Administrators sign in to the Patient Access Admin Console.',
  },
  tenant_unavailable: {
    title: 'This Patient Access tenant is not available',
    fix: 'It was suspended or closed. Contact your Patient Access representative.',
  },
  too_many_attempts: {
    title: 'Too many attempts',
    fix: 'Too many invalid links were tried from your network. Wait a few minutes, then open the link from your email again.',
  },
  wizard_session_required: {
    title: 'Open your setup link',
    fix: 'To connect Patient Access to Microsoft Entra ID, open the setup link from the email Patient Access sent you.',
  },
  wizard_session_invalid: {
    title: 'Your setup session has ended',
    fix: 'Open the setup link from your email again: the wizard resumes where you left it.',
  },
  wizard_session_expired: {
    title: 'Your setup session has expired',
    fix: 'For security, setup sessions end after a while. Open the setup link from your email again: the wizard resumes where you left it.',
  },
};

export function LinkProblem({ problem }: { problem: ApiProblem }) {
  const known = EXPLAIN[problem.code];
  return (
    <Alert tone={problem.code === 'wizard_session_required' ? 'info' : 'error'} title={known?.title ?? problem.title}>
      <p>{known?.fix ?? problem.detail ?? 'Open the setup link from your email again.'}</p>
      {problem.code === 'setup_link_used' && <p>Your first administrator received the console address by email.</p>}
    </Alert>
  );
}
