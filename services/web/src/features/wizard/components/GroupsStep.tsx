import { useState } from 'react';
import { Alert } from '@/components/Alert';
import { Select } from '@/components/Field';
import { formatCount } from '@/lib/format';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useSetGroups, type GroupsIn, type Role, type WizardState } from '../api/wizard';
import { GroupPicker } from './GroupPicker';

/** Step 5: admin groups (at least one) and optional user groups with their roles. Each change is
 *  saved at once, so a group the rules refuse is explained right where it was chosen. */
export function GroupsStep({ state, onDone }: { state: WizardState; onDone: () => void }) {
  const save = useSetGroups();
  const [target, setTarget] = useState<'admin' | 'user' | null>(null);
  const [role, setRole] = useState<Role>('viewer');
  const g = state.groups;
  const adminIds = g.admin_groups.map((x) => x.group_id);
  const userSel = g.user_groups.map((x) => ({ group_id: x.group_id, role: x.role }));
  const chosen = [...adminIds, ...userSel.map((u) => u.group_id)];

  function put(body: GroupsIn, which: 'admin' | 'user') {
    setTarget(which);
    save.mutate(body);
  }
  const error = save.error instanceof ApiProblem ? refusal(save.error) : save.error ? problemMessage(save.error) : undefined;

  return (
    <section aria-labelledby="groups-title">
      <h2 id="groups-title">Who gets access</h2>
      <h3>Admin groups</h3>
      <p>Members of an admin group administer Patient Access. Choose at least one. An admin group must be a security group of your directory with at least one member (Microsoft 365 and distribution groups cannot be chosen).</p>
      <GroupList groups={g.admin_groups} onRemove={(id) => put({ admin_groups: adminIds.filter((x) => x !== id), user_groups: userSel }, 'admin')} disabled={save.isPending || adminIds.length <= 1} removeHint="The last admin group cannot be removed" />
      {g.admin_in_an_admin_group === false && state.admin && (
        <Alert tone="info">
          {state.admin.user_principal_name} is not a member of any chosen admin group. They are an administrator anyway (named directly); add them to an admin group in Entra ID to keep that access managed by group.
        </Alert>
      )}
      <GroupPicker
        label="Add an admin group"
        hint="Type part of the group’s name"
        exclude={chosen}
        error={target === 'admin' ? error : undefined}
        onPick={(id) => put({ admin_groups: [...adminIds, id], user_groups: userSel }, 'admin')}
      />
      <h3>User groups (optional)</h3>
      <p>Members of a user group get the role you choose: Manager (manage users and sync) or Viewer (read only).</p>
      <GroupList groups={g.user_groups} onRemove={(id) => put({ admin_groups: adminIds, user_groups: userSel.filter((u) => u.group_id !== id) }, 'user')} disabled={save.isPending} />
      {adminIds.length === 0 ? (
        <p className="muted">Choose an admin group first.</p>
      ) : (
        <div className="row">
          <Select label="Role for the next user group" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="viewer">Viewer</option>
            <option value="manager">Manager</option>
            <option value="admin">Admin</option>
          </Select>
          <GroupPicker
            label="Add a user group"
            hint="Type part of the group’s name"
            exclude={chosen}
            error={target === 'user' ? error : undefined}
            onPick={(id) => put({ admin_groups: adminIds, user_groups: [...userSel, { group_id: id, role }] }, 'user')}
          />
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={onDone} disabled={adminIds.length === 0 || !g.set_at || save.isPending}>
          Continue to the summary
        </button>
      </div>
    </section>
  );
}

/** Why the server refused the selection, as the setup rules say it. */
function refusal(p: ApiProblem): string {
  const rule: Record<string, string> = {
    group_empty: 'This group has no members. An admin group needs at least one member.',
    not_a_security_group: 'This is a Microsoft 365 or distribution group. Only security groups can be chosen.',
    not_a_group: 'This is not a group.',
    group_not_found: 'This group is not in your directory.',
    duplicate_group: 'This group is already chosen.',
    admin_group_required: 'Choose at least one admin group.',
  };
  return rule[p.code] ? `${rule[p.code]}${p.detail ? ` (${p.detail})` : ''}` : problemMessage(p);
}

type ChosenGroup = WizardState['groups']['admin_groups'][number];

function GroupList({ groups, onRemove, disabled, removeHint }: { groups: ChosenGroup[]; onRemove: (id: string) => void; disabled: boolean; removeHint?: string }) {
  if (groups.length === 0) return <p className="muted">None chosen yet.</p>;
  return (
    <ul className="chosen" aria-label="Chosen groups">
      {groups.map((x) => (
        <li key={x.group_id}>
          <strong>{x.display_name}</strong> — {formatCount(x.member_count)} member{x.member_count === 1 ? '' : 's'}, role {x.role}
          {x.admin_is_member && ' · includes the initial administrator'}{' '}
          <button type="button" className="button-small secondary" onClick={() => onRemove(x.group_id)} disabled={disabled} title={disabled ? removeHint : undefined} aria-label={`Remove ${x.display_name}`}>
            Remove
          </button>
        </li>
      ))}
    </ul>
  );
}
