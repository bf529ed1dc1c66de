import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { noteActivity, useIdleTimer } from './idle';

function Probe({ timeout }: { timeout: number }) {
  const s = useIdleTimer(timeout);
  return <p>{s.phase === 'warning' ? `warning ${s.secondsLeft}` : s.phase}</p>;
}

describe('the idle timer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('warns during the last minute and expires at the timeout, counted from the last activity', () => {
    noteActivity(Date.now());
    render(<Probe timeout={300} />);
    expect(screen.getByText('active')).toBeTruthy();
    act(() => vi.advanceTimersByTime(241_000));
    expect(screen.getByText(/^warning (59|60)$/)).toBeTruthy();
    act(() => noteActivity(Date.now()));
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.getByText('active')).toBeTruthy();
    act(() => vi.advanceTimersByTime(300_000));
    expect(screen.getByText('expired')).toBeTruthy();
  });
});
