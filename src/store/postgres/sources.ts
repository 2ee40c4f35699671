// PostgreSQL: what Tidings remembers of each remote source between polls, the per-source poll leases
// and the named locks several processes share. Each lease is one atomic conditional upsert.

import { STATE_COLUMNS, STATE_UPDATES, stateValues, toSourceState, toSourceStateRow, type SourceStateRow } from '../rows.ts';
import type { SourceRepository } from '../store.ts';
import type { PgDb } from './db.ts';

const STATE_PARAMS = STATE_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ');

export function createPgSources(shared: PgDb): SourceRepository {
  return {
    async getSourceState(sourceId) {
      const [row] = await shared.query<SourceStateRow>(`SELECT ${STATE_COLUMNS} FROM source_state WHERE source_id = $1`, [sourceId]);
      return row && toSourceState(row);
    },
    async saveSourceState(state) {
      const row = toSourceStateRow(state);
      // The lease columns are not the state's: saving a state never touches them.
      await shared.run(`INSERT INTO source_state (${STATE_COLUMNS}) VALUES (${STATE_PARAMS})
        ON CONFLICT (source_id) DO UPDATE SET ${STATE_UPDATES}`, stateValues(row));
    },
    async listSourceStates() {
      return (await shared.query<SourceStateRow>(`SELECT ${STATE_COLUMNS} FROM source_state ORDER BY source_id`)).map(toSourceState);
    },
    async claimSource(claim) {
      // ON CONFLICT … WHERE is evaluated on the newest row version, so of concurrent claimers one wins.
      return (await shared.run(`INSERT INTO source_state (source_id, url, status, consecutive_failures, lease_owner, lease_until)
        VALUES ($1, $2, 'never', 0, $3, $4)
        ON CONFLICT (source_id) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
        WHERE (source_state.lease_owner IS NULL OR source_state.lease_until <= $5 OR source_state.lease_owner = $3)
          AND ($6 OR source_state.next_poll_at IS NULL OR source_state.next_poll_at <= $5)`,
      [claim.sourceId, claim.url, claim.owner, claim.until.getTime(), claim.now.getTime(), claim.force === true])) > 0;
    },
    async releaseSource(sourceId, owner) {
      await shared.run(`UPDATE source_state SET lease_owner = NULL, lease_until = NULL WHERE source_id = $1 AND lease_owner = $2`, [sourceId, owner]);
    },
    async tryLock(name, owner, now, until) {
      return (await shared.run(`INSERT INTO locks (name, owner, until) VALUES ($1, $2, $3)
        ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
        WHERE locks.owner = excluded.owner OR locks.until <= $4`, [name, owner, until.getTime(), now.getTime()])) > 0;
    },
    async unlock(name, owner) {
      await shared.run(`DELETE FROM locks WHERE name = $1 AND owner = $2`, [name, owner]);
    },
  };
}
