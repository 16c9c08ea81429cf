// Every grant matching a query, page by page (the store returns at most 1,000 a call).
import type { GrantQuery, Store, StoredGrant } from './store.js';

const PAGE = 1000;

export async function allGrants(
  store: Pick<Store, 'listGrants'>,
  query: Omit<GrantQuery, 'limit' | 'before'>,
): Promise<StoredGrant[]> {
  const rows: StoredGrant[] = [];
  for (let before: string | undefined; ;) {
    const page = await store.listGrants({
      ...query,
      limit: PAGE,
      ...(before === undefined ? {} : { before }),
    });
    rows.push(...page);
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) return rows;
    before = last.grant.id;
  }
}
