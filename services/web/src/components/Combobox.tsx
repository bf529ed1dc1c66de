import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface ComboOption {
  id: string;
  label: string;
  description?: ReactNode;
  /** Why it cannot be chosen (shown, and the option is aria-disabled). */
  refusal?: string | undefined;
}

interface ComboboxProps {
  label: string;
  hint?: ReactNode;
  query: string;
  onQueryChange: (q: string) => void;
  options: ComboOption[];
  loading?: boolean;
  onSelect: (option: ComboOption) => void;
  error?: string | undefined;
  emptyText?: string;
}

/** The ARIA 1.2 combobox pattern (editable, list autocomplete): type to search, ArrowDown/ArrowUp
 *  to move, Enter to choose, Escape to close. The caller debounces the search. */
export function Combobox({ label, hint, query, onQueryChange, options, loading, onSelect, error, emptyText = 'No match' }: ComboboxProps) {
  const id = useId();
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const optionId = (i: number) => `${id}-opt-${i}`;
  const expanded = open && query.trim().length > 0;

  function choose(i: number) {
    const option = options[i];
    if (!option || option.refusal) return;
    onSelect(option);
    setOpen(false);
    setActive(-1);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        setOpen(true);
        setActive((a) => (options.length ? (a + 1) % options.length : -1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        setOpen(true);
        setActive((a) => (options.length ? (a <= 0 ? options.length - 1 : a - 1) : -1));
        break;
      case 'Home':
        if (expanded && options.length) {
          e.preventDefault();
          setActive(0);
        }
        break;
      case 'End':
        if (expanded && options.length) {
          e.preventDefault();
          setActive(options.length - 1);
        }
        break;
      case 'Enter':
        if (expanded && active >= 0) {
          e.preventDefault();
          choose(active);
        }
        break;
      case 'Escape':
        if (expanded) {
          e.preventDefault();
          setOpen(false);
          setActive(-1);
        } else {
          onQueryChange('');
        }
        break;
    }
  }

  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const statusText = loading ? 'Searching…' : expanded ? `${options.length} result${options.length === 1 ? '' : 's'}` : '';

  return (
    <div className="field combobox">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      <input
        ref={inputRef}
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        value={query}
        onChange={(e) => {
          onQueryChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onFocus={() => setOpen(true)}
      />
      <p className="visually-hidden" role="status" aria-live="polite">
        {statusText}
      </p>
      <ul id={listId} role="listbox" aria-label={label} className="listbox" hidden={!expanded}>
        {expanded && !loading && options.length === 0 && <li className="listbox-empty">{emptyText}</li>}
        {options.map((o, i) => (
          <li
            key={o.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            aria-disabled={o.refusal ? true : undefined}
            className={i === active ? 'option active' : 'option'}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(i);
            }}
          >
            <span className="option-label">{o.label}</span>
            {o.description && <span className="option-desc">{o.description}</span>}
            {o.refusal && <span className="option-refusal">Cannot be chosen: {o.refusal}</span>}
          </li>
        ))}
      </ul>
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
