import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { Loading } from '@/components/Loading';
import { NotFoundPage } from '@/components/NotFound';
import { ApiTokensPage } from '@/features/api-tokens';
import { AuditPage } from '@/features/audit';
import { SignedOutPage, SignInPage, useLogout, useMe } from '@/features/auth';
import { EmergencyAccessPage } from '@/features/emergency';
import { GroupsPage } from '@/features/groups';
import { SessionsPage } from '@/features/sessions';
import { SettingsPage } from '@/features/settings';
import { SyncPage } from '@/features/sync';
import { UserDetailPage, UsersPage } from '@/features/users';
import { noteActivity, useActivityTracking } from '@/lib/idle';
import { atLeast, type ConsoleSession, type Role } from '@/lib/session';
import { ConsoleShell } from './ConsoleShell';

/** The admin console (served by admin-console at `/`). */
export function ConsoleApp() {
  const location = useLocation();
  if (location.pathname === '/signed-out') return <SignedOutPage />;
  return <SignedInConsole />;
}

function SignedInConsole() {
  const me = useMe();
  const navigate = useNavigate();
  const logout = useLogout();
  const qc = useQueryClient();
  const location = useLocation();
  useActivityTracking();
  useEffect(() => noteActivity(), [location.pathname]);

  const tenant = me.data?.tenant_id;
  const endedElsewhere = me.isError && me.data !== undefined;
  useEffect(() => {
    if (endedElsewhere) {
      qc.clear();
      navigate(`/signed-out?reason=ended&tenant=${tenant ?? ''}`, { replace: true });
    }
  }, [endedElsewhere, navigate, qc, tenant]);

  const signOut = useCallback(
    (reason: 'signed_out' | 'inactivity') => {
      logout.mutate(undefined, { onSettled: () => navigate(`/signed-out?reason=${reason}&tenant=${tenant ?? ''}`, { replace: true }) });
    },
    [logout, navigate, tenant],
  );
  const onIdle = useCallback(() => signOut('inactivity'), [signOut]);

  if (me.isPending) return <Loading what="Opening the console" />;
  if (!me.data) return <SignInPage />;
  const role = me.data.role as Role;
  const session: ConsoleSession = { role, tenantId: me.data.tenant_id, displayName: me.data.kind === 'emergency' ? 'Emergency access' : 'Signed in' };
  const guard = (min: Role, el: React.ReactElement) => (atLeast(role, min) ? el : <Navigate to="/users" replace />);

  return (
    <Routes>
      <Route
        element={
          <ConsoleShell session={session} idleTimeoutSeconds={me.data.idle_timeout_secs} onSignOut={() => signOut('signed_out')} onStaySignedIn={() => noteActivity()} onIdleExpired={onIdle} />
        }
      >
        <Route index element={<Navigate to="/users" replace />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="users/:objectId" element={<UserDetailPage />} />
        <Route path="groups" element={<GroupsPage />} />
        <Route path="sync" element={<SyncPage />} />
        <Route path="audit" element={guard('manager', <AuditPage />)} />
        <Route path="sessions" element={<SessionsPage />} />
        <Route path="emergency-access" element={guard('admin', <EmergencyAccessPage />)} />
        <Route path="api-tokens" element={guard('admin', <ApiTokensPage />)} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<NotFoundPage embedded />} />
      </Route>
    </Routes>
  );
}
