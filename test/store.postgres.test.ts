// Runs the ArticleStore contract on a real PostgreSQL cluster started for this file (see
// test/helpers/postgres.ts), a fresh database per test; plus what only PostgreSQL has: migrations
// under an advisory lock, TLS settings from sslmode, another process's writes.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { poolConfig, sslFor } from '../src/store/postgres/db.ts';
import { migrations } from '../src/store/postgres/migrations.ts';
import { openStore } from '../src/store/store.ts';
import { searchTerms } from '../src/text/search.ts';
import { clusterPerFile, findPgBin, missingPostgres } from './helpers/postgres.ts';
import { assertFirstRequestAnswersAsTwoSteps } from './helpers/first-request.ts';
import { makeArticle, runStoreContract } from './store.contract.ts';

const skip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const cluster = clusterPerFile();

runStoreContract('postgres', async () => openStore(await (await cluster()).migratedDatabase()), skip === undefined ? {} : { skip });

describe('PostgreSQL only', skip === undefined ? {} : { skip }, () => {
  test("a one-off query's first request answers what the version-then-render path does", async (t) => {
    const url = await (await cluster()).migratedDatabase();
    await assertFirstRequestAnswersAsTwoSteps(t, () => openStore(url), 'PostgreSQL');
  });

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

  test('a database from schema 4 gains its articles\' stems from their words: an old Франції is found by Франція', async () => {
    const url = await (await cluster()).freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE tidings_schema (version integer NOT NULL)`);
      for (const [i, step] of migrations.slice(0, 4).entries()) {
        await client.query(step as string);
        await client.query('INSERT INTO tidings_schema (version) VALUES ($1)', [i + 1]);
      }
      // Schema 4 indexed words only, as the tsvector literal of the time.
      await client.query(`INSERT INTO articles (id, title, url, summary, content_html, published, updated, authors,
        source_id, categories, topics, enclosures, content_hash, revision, changed_at, search)
        VALUES ('urn:old:1', 'Візит', 'https://e/1', '', '', 1, 1, '[]', 'src', '[]', '[]', '[]', 'h', 1, 1,
        '''візит'':1 ''делегація'':3 ''франції'':4 ''прибула'':5')`);
    } finally {
      await client.end();
    }
    const store = await openStore(url);
    const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 5 })).map((a) => a.title);
    assert.deepEqual(await titles('Франція'), ['Візит']);
    assert.deepEqual(await titles('делегацію прибули'), ['Візит']);
    assert.deepEqual(await titles('візит'), ['Візит'], 'the words are still there');
    assert.deepEqual(await titles('sanctions'), []);
    await store.close();
  });

  test('another process\'s writes are seen within a second', async () => {
    const url = await (await cluster()).migratedDatabase();
    const [server, worker] = await Promise.all([openStore(url), openStore(url)]);
    const before = await server.currentRevision();
    await worker.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await server.currentRevision()) > before);
    assert.equal((await server.queryArticles({ topics: ['a'], limit: 5 })).length, 1);
    await Promise.all([server.close(), worker.close()]);
  });

  test('poolStats tells /metrics how many clients the pool holds and how many queries wait', async () => {
    const store = await openStore(await (await cluster()).migratedDatabase(), { poolSize: 2 });
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
