import { takeSetupToken } from '@/lib/fragment';

// Before anything else runs or renders: take the setup token out of the address bar and history.
takeSetupToken();
// A setup link opened in a tab that already shows the wizard changes only the fragment (no new
// document): start afresh so the new token is read — and stripped — the same way.
window.addEventListener('hashchange', () => {
  if (window.location.hash.includes('token=')) window.location.reload();
});

const { renderApp } = await import('@/app/App');
renderApp(document.getElementById('root')!);
