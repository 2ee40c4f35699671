// The PostgreSQL connection pool every aggregate of the PostgreSQL backend shares: TLS as the
// platforms ask for it (sslmode), numbered migrations applied once under an advisory lock, the
// revision counter, and transactions.

import pg from 'pg';
import type { CustomTypesConfig, PoolClient, PoolConfig, QueryResultRow } from 'pg';
import { TidingsError, describeError } from '../../errors.ts';
import { migrations } from './migrations.ts';

/** How stale currentRevision may be about writes made by another process. */
const EXTERNAL_WRITE_LAG_MS = 1000;
/** Any constant: the advisory lock key under which migrations run (several processes may start at once). */
const MIGRATION_LOCK_KEY = 7_357_001;
export const DEFAULT_POOL_SIZE = 10;

export interface PostgresOptions {
  /** Connections in the pool (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** PGSSLMODE, used when the URL has no ?sslmode=. */
  sslMode?: string;
}

type Ssl = PoolConfig['ssl'];

/** bigint columns hold epoch milliseconds and counts, all well inside a double's exact range. */
const BIGINT_AS_NUMBER: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};

/**
 * libpq's sslmode as node-postgres settings. `require` encrypts without checking the certificate
 * (Heroku and others present one no public CA signs); `verify-ca` checks the chain, `verify-full` the
 * chain and the host name. node-postgres cannot fall back to plain text, so `prefer`/`allow` connect
 * without TLS, as most platforms' internal networks expect.
 */
export function sslFor(mode: string | undefined, where: string): Ssl {
  switch ((mode ?? '').toLowerCase()) {
    case '':
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new TidingsError('config', where, `unknown sslmode "${mode}" (disable, prefer, require, verify-ca, verify-full)`);
  }
}

/** The pool settings for a DATABASE_URL: its sslmode is read here, not by the driver. */
export function poolConfig(databaseUrl: string, options: PostgresOptions = {}): PoolConfig {
  const url = new URL(databaseUrl);
  const urlMode = url.searchParams.get('sslmode') ?? undefined;
  url.searchParams.delete('sslmode');
  const sslMode = urlMode ?? options.sslMode;
  return {
    connectionString: url.toString(),
    ssl: sslFor(sslMode, urlMode === undefined ? 'PGSSLMODE' : 'DATABASE_URL'),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    types: BIGINT_AS_NUMBER,
  };
}

export function describeTarget(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `postgres://${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
}

/** The shared pool with what more than one aggregate needs of it. */
export class PgDb {
  readonly pool: pg.Pool;
  /** The URL without credentials, for messages. */
  readonly where: string;
  private knownRevision = { value: 0, readAt: Number.NEGATIVE_INFINITY };
  private revisionRead: Promise<number> | undefined;

  constructor(pool: pg.Pool, where: string) {
    this.pool = pool;
    this.where = where;
  }

  async query<Row extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Bumps the store's revision inside `client`'s transaction. The row lock it takes also makes
   * concurrent article writers (other processes too) take turns, as SQLite's one writer does.
   */
  async nextRevision(client: PoolClient): Promise<number> {
    const { rows } = await client.query<{ value: number }>(`UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value`);
    const revision = rows[0]?.value ?? 0;
    this.knownRevision = { value: revision, readAt: Date.now() };
    return revision;
  }

  async markRemoval(client: PoolClient, revision: number, at: number): Promise<void> {
    await client.query(`UPDATE meta SET value = CASE key WHEN 'deleted_revision' THEN $1::bigint ELSE $2::bigint END
      WHERE key IN ('deleted_revision', 'deleted_at')`, [revision, at]);
  }

  async meta(): Promise<{ revision: number; deletedRevision: number; deletedAt: number }> {
    const rows = await this.query<{ key: string; value: number }>(`SELECT key, value FROM meta`);
    const get = (key: string) => rows.find((r) => r.key === key)?.value ?? 0;
    return { revision: get('revision'), deletedRevision: get('deleted_revision'), deletedAt: get('deleted_at') };
  }

  /**
   * Asked on every feed request, so it is answered from memory: this process's own writes update it at
   * once; another process's are read from the meta row at most once a second (one read at a time).
   */
  async currentRevision(): Promise<number> {
    if (Date.now() - this.knownRevision.readAt < EXTERNAL_WRITE_LAG_MS) return this.knownRevision.value;
    this.revisionRead ??= this.query<{ value: number }>(`SELECT value FROM meta WHERE key = 'revision'`)
      .then((rows) => {
        const value = Math.max(rows[0]?.value ?? 0, this.knownRevision.value);
        this.knownRevision = { value, readAt: Date.now() };
        return value;
      })
      .finally(() => {
        this.revisionRead = undefined;
      });
    return this.revisionRead;
  }
}

/**
 * Applies the migrations this database lacks. Under a session advisory lock: of several processes
 * starting at once, one migrates and the others wait, then find nothing left to do.
 */
export async function migrate(pool: pg.Pool, where: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS tidings_schema (version integer NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT max(version) AS version FROM tidings_schema`);
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new TidingsError('store', where, `database is at schema ${current}, newer than this Tidings (${migrations.length})`);
    }
    for (let version = current; version < migrations.length; version++) {
      await client.query('BEGIN');
      try {
        const step = migrations[version]!;
        if (typeof step === 'string') await client.query(step);
        else await step(client);
        await client.query('INSERT INTO tidings_schema (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new TidingsError('store', where, `migration ${version + 1} failed: ${describeError(err)}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
