import { useState } from 'react';
import { Alert } from '@/components/Alert';
import { Combobox } from '@/components/Combobox';
import { Select } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { formatCount, formatDateTime } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useCan } from '@/lib/session';
import { useDebounced } from '@/lib/useDebounced';
import { useAddGroup, useDirectoryGroups, useGroups, useRemoveGroup, type GroupIn } from '../api/groups';

/** The synced groups and the role each grants; Admins add and remove them. */
export function GroupsPage() {
  const groups = useGroups();
  const isAdmin = useCan('admin');
  const remove = useRemoveGroup();
  const items = groups.data?.items ?? [];
  const adminGroups = items.filter((g) => g.role === 'admin' && !g.deleted_at).length;
  return (
    <>
      <PageTitle>Groups</PageTitle>
      <p>Members of these Entra ID groups (including nested groups) get the role shown. Changes start a sync.</p>
      {groups.isPending && <Loading what="Loading groups" />}
      {groups.error && <Alert tone="error">{problemMessage(groups.error)}</Alert>}
      {remove.error && <Alert tone="error">{problemMessage(remove.error)}</Alert>}
      {groups.data && (
        <div className="table-wrap">
          <table aria-label="Groups">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Role</th>
                <th scope="col">Members</th>
                <th scope="col">Last synced</th>
                {isAdmin && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((g) => (
                <tr key={g.group_id}>
                  <td>
                    {g.synced_display_name ?? g.display_name}
                    {g.deleted_at && <span className="badge badge-failed">deleted in Entra ID</span>}
                  </td>
                  <td>{g.role}</td>
                  <td>{formatCount(g.member_count)}</td>
                  <td>{formatDateTime(g.last_synced_at)}</td>
                  {isAdmin && (
                    <td>
                      <button
                        type="button"
                        className="button-small secondary"
                        disabled={remove.isPending || (g.role === 'admin' && adminGroups <= 1)}
                        title={g.role === 'admin' && adminGroups <= 1 ? 'The last admin group cannot be removed' : undefined}
                        onClick={() => remove.mutate(g.group_id)}
                        aria-label={`Remove ${g.display_name}`}
                      >
                        Remove
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {isAdmin && <AddGroup />}
    </>
  );
}

function AddGroup() {
  const [query, setQuery] = useState('');
  const [role, setRole] = useState<GroupIn['role']>('viewer');
  const debounced = useDebounced(query, 250);
  const search = useDirectoryGroups(debounced);
  const add = useAddGroup();
  const refusal = add.error instanceof ApiProblem ? `${add.error.title}: ${add.error.detail ?? ''}` : add.error ? problemMessage(add.error) : undefined;
  return (
    <section className="panel" aria-labelledby="add-title">
      <h2 id="add-title">Add a group</h2>
      <p className="hint">A security group of your directory with at least one member. Microsoft 365 and distribution groups cannot be chosen.</p>
      <div className="row">
        <Select label="Role its members get" value={role} onChange={(e) => setRole(e.target.value as GroupIn['role'])}>
          <option value="viewer">Viewer</option>
          <option value="manager">Manager</option>
          <option value="admin">Admin</option>
        </Select>
        <Combobox
          label="Group"
          hint="Type part of the group’s name"
          query={query}
          onQueryChange={setQuery}
          loading={search.isFetching || debounced !== query}
          options={(search.data?.items ?? []).map((g) => ({
            id: g.group_id,
            label: g.display_name ?? g.group_id,
            description: g.description ?? undefined,
            refusal: g.configured ? 'already configured' : undefined,
          }))}
          error={refusal}
          onSelect={(o) => {
            add.mutate({ group_id: o.id, role });
            setQuery('');
          }}
        />
      </div>
      {add.isSuccess && <p role="status">Group added; a sync of its members has started.</p>}
    </section>
  );
}
