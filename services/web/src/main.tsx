import { takeSetupToken } from '@/lib/fragment';

// Before anything else runs or renders: take the setup token out of the address bar and history.
takeSetupToken();

const { renderApp } = await import('@/app/App');
renderApp(document.getElementById('root')!);
