// `GET /groups/delta`: the first round lists every group (or those named by
// `$filter=id eq '…' or id eq '…'`, at most 50) with its current members in `members@delta`;
// its last page carries an `@odata.deltaLink`. Following that link returns only the groups
// that changed since, with members added (`{@odata.type, id}`) and removed (the same plus
// `@removed: {reason: "deleted"}`). Page size follows `Prefer: odata.maxpagesize=N`.
// Tokens are opaque to clients: they encode the change-log position and the query.

import type { DirectoryChange } from './entra-directory.js';
import { context, groupProperties, groupView, type GraphCall } from './graph-context.js';
import { badRequest } from './graph-error.js';
import { header, jsonResponse, type EntraResponse } from './http-kit.js';
import {
  equalityValues,
  filterProperties,
  parseFilter,
  parseSelect,
  project,
} from './odata-query.js';

interface DeltaState {
  /** Change-log position the round reports from (initial round: none). */
  readonly from: number | undefined;
  /** Change-log position at the start of this round: the next deltaLink's `from`. */
  readonly until: number;
  readonly ids: readonly string[] | undefined;
  readonly select: readonly string[] | undefined;
  readonly offset: number;
}

const defaultPageSize = 100;
const maxIds = 50;

function encode(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(token: string): DeltaState {
  try {
    const parsed = JSON.parse(
      Buffer.from(token, 'base64url').toString('utf8'),
    ) as Partial<DeltaState>;
    if (typeof parsed.until === 'number' && typeof parsed.offset === 'number')
      return parsed as DeltaState;
  } catch {
    // fall through
  }
  throw badRequest(
    'The delta token is not valid; start over with GET /groups/delta.',
    'Request_BadRequest',
  );
}

function pageSize(call: GraphCall): number {
  const prefer = header(call.request, 'prefer') ?? '';
  const match = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  const n = match?.[1] === undefined ? defaultPageSize : Number(match[1]);
  return Math.max(1, Math.min(n, 999));
}

function memberRef(
  call: GraphCall,
  id: string,
  kind: 'user' | 'group' | undefined,
): Record<string, unknown> {
  const type = kind ?? call.world.directory.kindOf(id) ?? 'user';
  return { '@odata.type': `#microsoft.graph.${type}`, id };
}

function initialState(call: GraphCall): DeltaState {
  const query = call.request.query;
  for (const key of query.keys()) {
    if (
      key.startsWith('$') &&
      !['$select', '$filter', '$deltatoken', '$skiptoken'].includes(key.toLowerCase())
    )
      throw badRequest(
        `The query option ${key} is not supported on groups/delta by the Entra emulator.`,
        'Request_UnsupportedQuery',
      );
  }
  const select = parseSelect(
    query.get('$select'),
    [...groupProperties, 'members'],
    'microsoft.graph.group',
  );
  let ids: string[] | undefined;
  const filterText = query.get('$filter');
  if (filterText !== null && filterText.trim() !== '') {
    const filter = parseFilter(filterText);
    const values = equalityValues(filter, 'id');
    if (
      values === undefined ||
      filterProperties(filter).some((p) => p.toLowerCase() !== 'id') ||
      filter.kind === 'and'
    )
      throw badRequest(
        "Invalid filter clause: groups/delta supports only id eq '…' joined with or.",
        'Request_BadRequest',
      );
    if (values.length > maxIds)
      throw badRequest(
        `Invalid filter clause: at most ${maxIds} ids may be given to groups/delta.`,
        'Request_BadRequest',
      );
    ids = values.map((v) => v.toLowerCase());
  }
  return { from: undefined, until: call.world.directory.sequence, ids, select, offset: 0 };
}

function groupItem(
  call: GraphCall,
  groupId: string,
  select: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  const group = call.world.directory.groups.get(groupId);
  if (group === undefined) return undefined;
  const props = select?.filter((s) => s !== 'members');
  const item = project(groupView(group), props);
  item.id = group.id;
  return item;
}

function wantsMembers(select: readonly string[] | undefined): boolean {
  return select === undefined || select.includes('members');
}

function netMemberChanges(
  call: GraphCall,
  changes: readonly DirectoryChange[],
  groupId: string,
): Record<string, unknown>[] {
  const last = new Map<string, DirectoryChange>();
  for (const change of changes)
    if (change.groupId === groupId && change.memberId !== undefined)
      last.set(change.memberId, change);
  return [...last.values()].map((change) => {
    const ref = memberRef(call, change.memberId ?? '', change.memberKind);
    return change.kind === 'removed' ? { ...ref, '@removed': { reason: 'deleted' } } : ref;
  });
}

export function groupDelta(call: GraphCall): EntraResponse {
  const query = call.request.query;
  const deltaToken = query.get('$deltatoken');
  const skipTokenText = query.get('$skiptoken');
  const dir = call.world.directory;
  let state: DeltaState;
  if (deltaToken === 'latest') {
    const fresh = initialState(call);
    const body = {
      '@odata.context': context(call.world.graphUrl, 'groups'),
      '@odata.deltaLink': `${call.world.graphUrl}/groups/delta?$deltatoken=${encode({ ...fresh, from: dir.sequence, until: dir.sequence })}`,
      value: [],
    };
    return jsonResponse(200, body);
  }
  if (deltaToken !== null) {
    const previous = decode(deltaToken);
    state = { ...previous, from: previous.until, until: dir.sequence, offset: 0 };
  } else if (skipTokenText !== null) {
    state = decode(skipTokenText);
  } else {
    state = initialState(call);
  }
  const inScope = (groupId: string): boolean =>
    state.ids === undefined || state.ids.includes(groupId);
  let items: Record<string, unknown>[];
  if (state.from === undefined) {
    items = [...dir.groups.values()]
      .filter((g) => inScope(g.id))
      .flatMap((g) => {
        const item = groupItem(call, g.id, state.select);
        if (item === undefined) return [];
        if (wantsMembers(state.select))
          item['members@delta'] = dir.members(g.id).map((id) => memberRef(call, id, undefined));
        return [item];
      });
  } else {
    const changes = dir
      .changesSince(state.from)
      .filter((c) => c.seq <= state.until && inScope(c.groupId));
    const changed = [...new Set(changes.map((c) => c.groupId))];
    items = changed.flatMap((groupId) => {
      const item = groupItem(call, groupId, state.select);
      if (item === undefined) return [];
      const memberChanges = netMemberChanges(call, changes, groupId);
      const groupChanged = changes.some((c) => c.groupId === groupId && c.kind === 'group');
      if (wantsMembers(state.select) && memberChanges.length > 0)
        item['members@delta'] = memberChanges;
      else if (!groupChanged) return [];
      return [item];
    });
  }
  const size = pageSize(call);
  const page = items.slice(state.offset, state.offset + size);
  const select = state.select === undefined ? '' : `(${state.select.join(',')})`;
  const body: Record<string, unknown> = {
    '@odata.context': context(call.world.graphUrl, `groups${select}`),
  };
  if (state.offset + size < items.length) {
    body['@odata.nextLink'] =
      `${call.world.graphUrl}/groups/delta?$skiptoken=${encode({ ...state, offset: state.offset + size })}`;
  } else {
    body['@odata.deltaLink'] =
      `${call.world.graphUrl}/groups/delta?$deltatoken=${encode({ ...state, offset: 0 })}`;
  }
  body.value = page;
  return jsonResponse(200, body);
}
