import { useState } from 'react';
import { Combobox, type ComboOption } from '@/components/Combobox';
import { useDebounced } from '@/lib/useDebounced';
import { useGroupSearch } from '../api/wizard';

/** Type-ahead over the directory's security groups (debounced; keyboard: arrows, Enter, Escape). */
export function GroupPicker({ label, hint, exclude, error, onPick }: { label: string; hint: string; exclude: string[]; error?: string | undefined; onPick: (groupId: string, name: string) => void }) {
  const [query, setQuery] = useState('');
  const debounced = useDebounced(query, 250);
  const search = useGroupSearch(debounced);
  const options: ComboOption[] = (search.data?.items ?? []).map((g) => ({
    id: g.group_id,
    label: g.display_name,
    description: [g.description, g.mail_enabled ? 'mail-enabled security group' : 'security group'].filter(Boolean).join(' · '),
    refusal: exclude.includes(g.group_id) ? 'already chosen' : undefined,
  }));
  return (
    <Combobox
      label={label}
      hint={hint}
      query={query}
      onQueryChange={setQuery}
      options={options}
      loading={search.isFetching || debounced !== query}
      error={error ?? (search.error ? search.error.message : undefined)}
      emptyText="No security group matches"
      onSelect={(o) => {
        onPick(o.id, o.label);
        setQuery('');
      }}
    />
  );
}
