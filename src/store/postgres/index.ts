// The PostgreSQL backend (node-postgres, one pool): the per-aggregate repositories composed into the
// flat ArticleStore callers use. Several processes may share one database; see README "Deploy".

import pg from 'pg';
import { TidingsError, describeError } from '../../errors.ts';
import { composeStore, type ArticleStore } from '../store.ts';
import { DEFAULT_STORY_WINDOW_HOURS, HOUR_MS, STORY_WINDOW_KEY } from '../stories.ts';
import { PgArticles } from './articles.ts';
import { describeTarget, migrate, PgDb, poolConfig, type PostgresOptions } from './db.ts';
import { createPgSources } from './sources.ts';
import { createPgSubscriptions } from './subscriptions.ts';

export async function openPostgresStore(
  databaseUrl: string, options: PostgresOptions = {}, storyWindowMs = DEFAULT_STORY_WINDOW_HOURS * HOUR_MS,
): Promise<ArticleStore> {
  const where = describeTarget(databaseUrl);
  const pool = new pg.Pool(poolConfig(databaseUrl, options));
  // An idle connection the server drops (restart, failover) must not crash the process; the pool
  // replaces it and the next query reports any lasting fault.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, where);
  } catch (err) {
    await pool.end();
    if (err instanceof TidingsError) throw err;
    throw new TidingsError('store', where, `cannot open PostgreSQL database: ${describeError(err)}`, { cause: err });
  }
  const shared = new PgDb(pool, where);
  return composeStore(new PgArticles(shared, storyWindowMs), createPgSources(shared), createPgSubscriptions(shared), {
    currentRevision: () => shared.currentRevision(),
    probe: () => probe(shared),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    recordedStoryWindow: async () => {
      const rows = await shared.query<{ value: string }>(`SELECT value FROM meta WHERE key = $1`, [STORY_WINDOW_KEY]);
      return rows[0] === undefined ? undefined : Number(rows[0].value);
    },
    recordStoryWindow: async (hours) => {
      await shared.run(`INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [STORY_WINDOW_KEY, hours]);
    },
    close: () => pool.end(),
  });
}

/** A real read and a real write (of a row nothing else reads), as /healthz needs to know. */
async function probe(shared: PgDb): Promise<void> {
  try {
    await shared.query(`SELECT value FROM meta WHERE key = 'revision'`);
    await shared.run(`INSERT INTO locks (name, owner, until) VALUES ('probe', 'probe', 0) ON CONFLICT (name) DO UPDATE SET until = 0`);
  } catch (err) {
    throw new TidingsError('store', shared.where, `not readable and writable: ${describeError(err)}`, { cause: err });
  }
}
