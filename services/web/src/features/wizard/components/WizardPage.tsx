import { PageTitle } from '@/components/PageTitle';

export function WizardPage() {
  return (
    <main id="main" className="narrow">
      <PageTitle>Connect Patient Access to Microsoft Entra ID</PageTitle>
    </main>
  );
}
