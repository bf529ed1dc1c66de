import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { consumeSetupToken } from '@/lib/fragment';
import { ApiProblem } from '@/lib/problem';
import { useStart, useWizardState, type WizardState } from '../api/wizard';
import { AdminStep } from './AdminStep';
import { ConsentStep } from './ConsentStep';
import { DirectoryStep } from './DirectoryStep';
import { Done } from './Done';
import { GroupsStep } from './GroupsStep';
import { LinkProblem } from './LinkProblem';
import { PreflightStep } from './PreflightStep';
import { Prerequisites } from './Prerequisites';
import { StepNav, type View } from './StepNav';
import { SummaryStep } from './SummaryStep';

/** The setup wizard: opened from the mailed link (`/setup#token=…`), resumed from the server's
 *  state after a reload or the return from Microsoft (`/setup?consent=granted|error&code=…`). */
export function WizardPage() {
  const [token] = useState(() => consumeSetupToken());
  const start = useStart();
  const started = useRef(false);
  useEffect(() => {
    if (token && !started.current) {
      started.current = true;
      start.mutate(token);
    }
  }, [token, start]);
  const state = useWizardState(!token || start.isError);

  const problem = start.error ?? (token && !start.isError ? null : state.error);
  const data = state.data;
  return (
    <main id="main" className="narrow">
      <PageTitle>{data ? `Set up Patient Access for ${data.tenant.display_name}` : 'Set up Patient Access'}</PageTitle>
      {data ? (
        <Wizard state={data} />
      ) : problem instanceof ApiProblem ? (
        <LinkProblem problem={problem} />
      ) : problem ? (
        <p role="alert">The setup service could not be reached. Try again in a moment.</p>
      ) : (
        <Loading what="Opening your setup" />
      )}
    </main>
  );
}

function Wizard({ state }: { state: WizardState }) {
  const [params] = useSearchParams();
  const consent = params.get('consent');
  const returned = consent === 'granted' || consent === 'error' ? consent : null;
  const initial: View = state.status === 'completed' ? 'done' : returned ? 'consent' : state.steps_done.length === 0 ? 'prerequisites' : (state.next_step ?? 'finish');
  const [view, setView] = useState<View>(initial);
  const current: View = state.status === 'completed' ? 'done' : view;
  const heading = useRef<HTMLDivElement>(null);
  const next = (s: WizardState) => setView(s.status === 'completed' ? 'done' : (s.next_step ?? 'finish'));
  const goNext = () => next(state);

  useEffect(() => {
    const h = heading.current?.querySelector<HTMLElement>('h2');
    h?.setAttribute('tabindex', '-1');
    h?.focus();
  }, [current]);

  return (
    <>
      <StepNav state={state} view={current} onView={setView} />
      <div ref={heading} className="panel wizard-step">
        {current === 'prerequisites' && <Prerequisites state={state} onContinue={() => setView(state.next_step ?? 'directory')} />}
        {current === 'directory' && <DirectoryStep state={state} onDone={() => setView('consent')} />}
        {current === 'consent' && <ConsentStep state={state} returned={returned} onDone={goNext} />}
        {current === 'preflight' && <PreflightStep state={state} onDone={() => setView('admin')} />}
        {current === 'admin' && <AdminStep state={state} onDone={() => setView('groups')} />}
        {current === 'groups' && <GroupsStep state={state} onDone={() => setView('finish')} />}
        {current === 'finish' && <SummaryStep state={state} onEdit={setView} />}
        {current === 'done' && <Done state={state} />}
      </div>
    </>
  );
}
