// Runs the ArticleStore contract on a real PostgreSQL cluster started for this file (see
// test/helpers/postgres.ts), a fresh database per test; plus what only PostgreSQL has: migrations
// under an advisory lock, TLS settings from sslmode, another process's writes.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { poolConfig, sslFor } from '../src/store/postgres/db.ts';
import { migrations } from '../src/store/postgres/migrations.ts';
import { openStore } from '../src/store/store.ts';
import { clusterPerFile, findPgBin, missingPostgres } from './helpers/postgres.ts';
import { makeArticle, runStoreContract } from './store.contract.ts';

const skip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const cluster = clusterPerFile();

runStoreContract('postgres', async () => openStore(await (await cluster()).freshDatabase()), skip === undefined ? {} : { skip });

describe('PostgreSQL only', skip === undefined ? {} : { skip }, () => {
  test('several processes opening one new database at once migrate it once', async () => {
    const url = await (await cluster()).freshDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ version: number }>('SELECT version FROM tidings_schema ORDER BY version');
    await client.end();
    // Each migration ran once: one row per migration, however many processes raced.
    assert.deepEqual(rows.map((r) => r.version), migrations.map((_, i) => i + 1), 'each migration recorded once');
    await stores[0]!.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    assert.equal(await stores[3]!.countArticles(), 1);
    await Promise.all(stores.map((s) => s.close()));
  });

  test('another process\'s writes are seen within a second', async () => {
    const url = await (await cluster()).freshDatabase();
    const [server, worker] = await Promise.all([openStore(url), openStore(url)]);
    const before = await server.currentRevision();
    await worker.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await server.currentRevision()) > before);
    assert.equal((await server.queryArticles({ topics: ['a'], limit: 5 })).length, 1);
    await Promise.all([server.close(), worker.close()]);
  });

  test('poolStats tells /metrics how many clients the pool holds and how many queries wait', async () => {
    const store = await openStore(await (await cluster()).freshDatabase(), { poolSize: 2 });
    await Promise.all([1, 2, 3, 4].map(() => store.countArticles()));
    const stats = store.poolStats();
    assert.ok(stats, 'PostgreSQL has a pool');
    assert.ok(stats.total >= 1 && stats.total <= 2, `total ${stats.total} within DATABASE_POOL_SIZE`);
    assert.equal(stats.waiting, 0, 'nothing waits once the queries are answered');
    await store.close();
  });

  test('a wrong database URL is a store error naming the server, not the password', async () => {
    const { url } = await cluster();
    const wrong = url.replace('tidings@', 'tidings:s3cret@').replace(/\/postgres$/, '/no_such_db');
    await assert.rejects(openStore(wrong), (err: Error) => /^store: postgres:\/\/127\.0\.0\.1:\d+\/no_such_db: /.test(err.message) && !err.message.includes('s3cret'));
  });
});

test('sslmode as the platforms set it: require encrypts without verifying, verify-full verifies', () => {
  assert.equal(sslFor(undefined, 'x'), false);
  assert.equal(sslFor('disable', 'x'), false);
  assert.deepEqual(sslFor('require', 'x'), { rejectUnauthorized: false });
  assert.deepEqual(sslFor('verify-full', 'x'), { rejectUnauthorized: true });
  const verifyCa = sslFor('verify-ca', 'x');
  assert.ok(typeof verifyCa === 'object' && verifyCa.rejectUnauthorized === true && typeof verifyCa.checkServerIdentity === 'function');
  assert.throws(() => sslFor('sometimes', 'PGSSLMODE'), /PGSSLMODE: unknown sslmode "sometimes"/);
  const fromUrl = poolConfig('postgres://u:p@db.example:5432/app?sslmode=require', { sslMode: 'disable', poolSize: 3 });
  assert.deepEqual(fromUrl.ssl, { rejectUnauthorized: false }, 'the URL wins over PGSSLMODE');
  assert.equal(fromUrl.connectionString, 'postgres://u:p@db.example:5432/app', 'the driver never sees sslmode');
  assert.equal(fromUrl.max, 3);
  assert.deepEqual(poolConfig('postgresql://db.example/app', { sslMode: 'verify-full' }).ssl, { rejectUnauthorized: true });
  assert.equal(poolConfig('postgresql://db.example/app').max, 10);
});
