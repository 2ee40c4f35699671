// SQLite: what Tidings remembers of each remote source between polls, the per-source poll leases and
// the named locks several processes share.

import { STATE_COLUMNS, STATE_NAMED_PARAMS, STATE_UPDATES, toSourceState, toSourceStateRow, type SourceStateRow } from '../rows.ts';
import type { SourceClaim, SourceRepository } from '../store.ts';
import type { SqliteDb } from './db.ts';

export function createSqliteSources(shared: SqliteDb): SourceRepository {
  const { db } = shared;
  const stmts = {
    get: db.prepare<[string], SourceStateRow>(`SELECT ${STATE_COLUMNS} FROM source_state WHERE source_id = ?`),
    list: db.prepare<[], SourceStateRow>(`SELECT ${STATE_COLUMNS} FROM source_state ORDER BY source_id`),
    // The lease columns are not the state's: saving a state never touches them.
    save: db.prepare(`INSERT INTO source_state (${STATE_COLUMNS}) VALUES (${STATE_NAMED_PARAMS})
      ON CONFLICT (source_id) DO UPDATE SET ${STATE_UPDATES}`),
    // One statement decides and takes the lease, so two processes cannot both win.
    claim: db.prepare(`INSERT INTO source_state (source_id, url, status, consecutive_failures, lease_owner, lease_until)
      VALUES (@source_id, @url, 'never', 0, @owner, @until)
      ON CONFLICT (source_id) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
      WHERE (source_state.lease_owner IS NULL OR source_state.lease_until <= @now OR source_state.lease_owner = @owner)
        AND (@force = 1 OR source_state.next_poll_at IS NULL OR source_state.next_poll_at <= @now)`),
    release: db.prepare(`UPDATE source_state SET lease_owner = NULL, lease_until = NULL WHERE source_id = ? AND lease_owner = ?`),
    lock: db.prepare(`INSERT INTO locks (name, owner, until) VALUES (@name, @owner, @until)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
      WHERE locks.owner = excluded.owner OR locks.until <= @now`),
    unlock: db.prepare(`DELETE FROM locks WHERE name = ? AND owner = ?`),
  };
  return {
    async getSourceState(sourceId) {
      const row = stmts.get.get(sourceId);
      return row && toSourceState(row);
    },
    async saveSourceState(state) {
      await shared.write(() => stmts.save.run(toSourceStateRow(state)));
    },
    async listSourceStates() {
      return stmts.list.all().map(toSourceState);
    },
    async claimSource(claim: SourceClaim) {
      const params = {
        source_id: claim.sourceId, url: claim.url, owner: claim.owner,
        now: claim.now.getTime(), until: claim.until.getTime(), force: claim.force ? 1 : 0,
      };
      return (await shared.write(() => stmts.claim.run(params))).changes > 0;
    },
    async releaseSource(sourceId, owner) {
      await shared.write(() => stmts.release.run(sourceId, owner));
    },
    async tryLock(name, owner, now, until) {
      const params = { name, owner, now: now.getTime(), until: until.getTime() };
      return (await shared.write(() => stmts.lock.run(params))).changes > 0;
    },
    async unlock(name, owner) {
      await shared.write(() => stmts.unlock.run(name, owner));
    },
  };
}
