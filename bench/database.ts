// Where a benchmark keeps its store: a SQLite file in its temporary directory, or, when DATABASE_URL
// names a PostgreSQL server, a fresh database created on that server for the run and dropped after
// (the role needs CREATEDB). Results then compare the two backends on the same data.

import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  url: string;
  kind: 'sqlite' | 'postgres';
  /** Size on disk in MB (the SQLite file, or pg_database_size). */
  sizeMb(): Promise<number>;
  drop(): Promise<void>;
}

export async function benchDatabase(dir: string): Promise<BenchDatabase> {
  const server = process.env.DATABASE_URL;
  if (!server || !/^postgres(ql)?:\/\//i.test(server)) {
    const path = join(dir, 'bench.db');
    const { statSync } = await import('node:fs');
    return { url: `sqlite:${path}`, kind: 'sqlite', sizeMb: async () => statSync(path).size / 1048576, drop: async () => undefined };
  }
  const name = `tidings_bench_${process.pid}_${Date.now()}`;
  await admin(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    sizeMb: async () => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size');
        return Number(rows[0]?.size ?? 0) / 1048576;
      } finally {
        await client.end();
      }
    },
    drop: () => admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
