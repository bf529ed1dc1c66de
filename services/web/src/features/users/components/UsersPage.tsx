import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert } from '@/components/Alert';
import { Field, Select } from '@/components/Field';
import { Loading } from '@/components/Loading';
import { PageTitle } from '@/components/PageTitle';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useDebounced } from '@/lib/useDebounced';
import { useGroupOptions, useUsers, type UserListQuery } from '../api/users';

const PAGE = 50;
type SortKey = 'display_name' | 'user_principal_name';

/** The Users tab: search, filters, sort and cursor pagination, all kept in the address. */
export function UsersPage() {
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState('');
  const debounced = useDebounced(search.trim(), 300);
  const role = params.get('role') ?? '';
  const status = params.get('status') ?? 'active';
  const group = params.get('group_id') ?? '';
  const sort = params.get('sort') ?? 'display_name';
  // The cursors of the pages before this one; any change of search, filter or sort starts over.
  const filterKey = JSON.stringify([debounced, role, status, group, sort]);
  const [pager, setPager] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = pager.key === filterKey ? pager.cursors : [];
  const setCursors = (f: (c: string[]) => string[]) => setPager({ key: filterKey, cursors: f(cursors) });

  function set(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  const query: UserListQuery = {
    limit: PAGE,
    sort,
    ...(debounced ? { search: debounced } : {}),
    ...(role ? { role } : {}),
    ...(status !== 'all' ? { status } : {}),
    ...(group ? { group_id: group } : {}),
    ...(cursors.length ? { cursor: cursors[cursors.length - 1] } : {}),
  };
  const users = useUsers(query);
  const groups = useGroupOptions();
  const problem = users.error instanceof ApiProblem ? users.error : undefined;

  function sortBy(key: SortKey) {
    set('sort', sort === key ? `-${key}` : key);
  }
  const ariaSort = (key: SortKey) => (sort === key ? 'ascending' : sort === `-${key}` ? 'descending' : undefined);

  return (
    <>
      <PageTitle>Users</PageTitle>
      <form className="panel row" role="search" aria-label="Find users" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search" hint="Name, user principal name or mail" type="search" value={search} onChange={(e) => setSearch(e.target.value)} error={problem?.fieldError('search')} />
        <Select label="Role" value={role} onChange={(e) => set('role', e.target.value)}>
          <option value="">Any role</option>
          <option value="admin">Admin</option>
          <option value="manager">Manager</option>
          <option value="viewer">Viewer</option>
        </Select>
        <Select label="Status" value={status} onChange={(e) => set('status', e.target.value === 'active' ? '' : e.target.value)}>
          <option value="active">Active</option>
          <option value="inactive">Inactive</option>
          <option value="all">All</option>
        </Select>
        <Select label="Group" value={group} onChange={(e) => set('group_id', e.target.value)}>
          <option value="">Any group</option>
          {(groups.data?.items ?? []).map((g) => (
            <option key={g.group_id} value={g.group_id}>
              {g.display_name}
            </option>
          ))}
        </Select>
      </form>
      {users.error && !problem?.fieldError('search') && <Alert tone="error">{problemMessage(users.error)}</Alert>}
      {users.isPending ? (
        <Loading what="Loading users" />
      ) : users.data ? (
        <>
          <div className="table-wrap">
            <table aria-label="Users" aria-busy={users.isFetching}>
              <thead>
                <tr>
                  <th scope="col" aria-sort={ariaSort('display_name')}>
                    <button type="button" onClick={() => sortBy('display_name')}>
                      Name {sortMark(sort, 'display_name')}
                    </button>
                  </th>
                  <th scope="col" aria-sort={ariaSort('user_principal_name')}>
                    <button type="button" onClick={() => sortBy('user_principal_name')}>
                      User principal name {sortMark(sort, 'user_principal_name')}
                    </button>
                  </th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.length === 0 && (
                  <tr>
                    <td colSpan={4}>No user matches.</td>
                  </tr>
                )}
                {users.data.items.map((u) => (
                  <tr key={u.object_id}>
                    <td>
                      <Link to={`/users/${u.object_id}`}>{u.display_name ?? u.user_principal_name}</Link>
                    </td>
                    <td>{u.user_principal_name}</td>
                    <td>
                      {u.role ?? '—'}
                      {u.role_source && <span className="muted small"> ({u.role_source})</span>}
                    </td>
                    <td>
                      <span className={`badge badge-${u.status}`}>{u.status}</span>
                      {u.blocked && <span className="badge badge-blocked">blocked</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of users">
            <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <span>Page {cursors.length + 1}</span>
            <button type="button" className="secondary" disabled={!users.data.next_cursor} onClick={() => users.data?.next_cursor && setCursors((c) => [...c, users.data!.next_cursor!])}>
              Next page
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}

function sortMark(sort: string, key: SortKey): string {
  return sort === key ? '▲' : sort === `-${key}` ? '▼' : '';
}
