import { PageTitle } from '@/components/PageTitle';

export function ConsoleApp() {
  return (
    <main id="main" className="narrow">
      <PageTitle>Patient Access Admin Console</PageTitle>
    </main>
  );
}
