import { createBrowserRouter } from 'react-router';
import { Loading } from '@/components/Loading';
import { NotFoundPage } from '@/components/NotFound';

// The wizard (served by consent under /setup) and the console (served by admin-console) are
// separate chunks: each origin loads only its own.
export const router = createBrowserRouter([
  {
    path: '/setup/*',
    HydrateFallback: Loading,
    lazy: async () => ({ Component: (await import('@/features/wizard')).WizardPage }),
  },
  {
    path: '/*',
    HydrateFallback: Loading,
    lazy: async () => ({ Component: (await import('./ConsoleApp')).ConsoleApp }),
  },
  { path: '*', Component: NotFoundPage },
]);
