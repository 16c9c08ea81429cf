// Rows of the `leases` table: named leases (the controller's leader lease), taken over only
// once expired, renewed only by their holder, in one statement each.
import type { Kysely } from 'kysely';
import type { Instant } from '../core/grant.js';
import { toInstant, type Database } from './database.js';

export async function acquireLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
  now: Instant,
  ttlMs: number,
  options: { takeOverFrom?: string } = {},
): Promise<boolean> {
  const takeOverFrom = options.takeOverFrom;
  const result = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: now + ttlMs, version: 1 })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({
          holder: eb.ref('excluded.holder'),
          expires_at: eb.ref('excluded.expires_at'),
          version: eb('leases.version', '+', 1),
        }))
        // Taken over only when expired, renewed only by its holder: one statement, so two
        // processes racing for it cannot both win.
        .where((eb) =>
          eb.or([
            eb('leases.holder', '=', holder),
            eb('leases.expires_at', '<=', now),
            ...(takeOverFrom === undefined ? [] : [eb('leases.holder', '=', takeOverFrom)]),
          ]),
        ),
    )
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

export async function leaseHolder(
  db: Kysely<Database>,
  name: string,
): Promise<{ holder: string; expiresAt: Instant } | undefined> {
  const row = await db
    .selectFrom('leases')
    .select(['holder', 'expires_at'])
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? { holder: row.holder, expiresAt: toInstant(row.expires_at) } : undefined;
}

export async function releaseLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
