import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Combobox, type ComboOption } from './Combobox';

const OPTIONS: ComboOption[] = [
  { id: 'a', label: 'Nurses', description: 'security group' },
  { id: 'b', label: 'Night shift', refusal: 'already chosen' },
  { id: 'c', label: 'Pharmacy' },
];

function Harness({ onSelect }: { onSelect: (o: ComboOption) => void }) {
  const [q, setQ] = useState('');
  return <Combobox label="Add an admin group" query={q} onQueryChange={setQ} options={q ? OPTIONS : []} onSelect={onSelect} />;
}

describe('the combobox (ARIA 1.2 pattern)', () => {
  it('opens on typing, moves with the arrows, chooses with Enter and skips refused options', () => {
    const onSelect = vi.fn();
    render(<Harness onSelect={onSelect} />);
    const box = screen.getByRole('combobox', { name: 'Add an admin group' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    fireEvent.change(box, { target: { value: 'n' } });
    expect(box.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getAllByRole('option')).toHaveLength(3);
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    const active = box.getAttribute('aria-activedescendant');
    expect(document.getElementById(active!)?.textContent).toContain('Night shift');
    expect(document.getElementById(active!)?.getAttribute('aria-disabled')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSelect).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSelect).toHaveBeenCalledWith(OPTIONS[0]);
  });

  it('closes on Escape, and a second Escape clears the text', () => {
    render(<Harness onSelect={() => {}} />);
    const box = screen.getByRole('combobox') as HTMLInputElement;
    fireEvent.change(box, { target: { value: 'ph' } });
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(box.getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(box.value).toBe('');
  });
});
