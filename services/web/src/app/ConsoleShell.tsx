import { NavLink, Outlet } from 'react-router';
import { atLeast, SessionContext, type ConsoleSession, type Role } from '@/lib/session';
import { IdleWarning } from './IdleWarning';

interface NavItem {
  to: string;
  label: string;
  min: Role;
}

// What a role may not reach is not offered (admin-console's permission matrix: audit for
// Managers and up; emergency access and API tokens for Admins).
export const NAV: NavItem[] = [
  { to: '/users', label: 'Users', min: 'viewer' },
  { to: '/groups', label: 'Groups', min: 'viewer' },
  { to: '/sync', label: 'Sync', min: 'viewer' },
  { to: '/audit', label: 'Audit log', min: 'manager' },
  { to: '/sessions', label: 'Sessions', min: 'viewer' },
  { to: '/emergency-access', label: 'Emergency access', min: 'admin' },
  { to: '/api-tokens', label: 'API tokens', min: 'admin' },
  { to: '/settings', label: 'Settings', min: 'viewer' },
];

const ROLE_NAME: Record<Role, string> = { admin: 'Admin', manager: 'Manager', viewer: 'Viewer' };

interface ShellProps {
  session: ConsoleSession;
  idleTimeoutSeconds: number | undefined;
  onSignOut: () => void;
  onStaySignedIn: () => void;
  onIdleExpired: () => void;
}

export function ConsoleShell({ session, idleTimeoutSeconds, onSignOut, onStaySignedIn, onIdleExpired }: ShellProps) {
  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Patient Access Admin Console</span>
        <div className="who">
          <span>
            {session.displayName} · <span aria-label="Your role">{ROLE_NAME[session.role]}</span>
          </span>
          <button type="button" className="button-small secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <div className="shell">
        <nav className="sidenav" aria-label="Console">
          <ul>
            {NAV.filter((n) => atLeast(session.role, n.min)).map((n) => (
              <li key={n.to}>
                <NavLink to={n.to}>{n.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
      <IdleWarning idleTimeoutSeconds={idleTimeoutSeconds} onStay={onStaySignedIn} onExpired={onIdleExpired} />
    </SessionContext.Provider>
  );
}
