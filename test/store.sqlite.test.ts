// Runs the ArticleStore contract on SQLite, in memory and on a real file; plus what only a file shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/store.ts';
import { makeArticle, runStoreContract } from './store.contract.ts';

runStoreContract('sqlite in memory', () => openStore('sqlite::memory:'));

const dirs: string[] = [];
runStoreContract('sqlite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  dirs.push(dir);
  return openStore(`sqlite:${join(dir, 'nested', 'tidings.db')}`);
});
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('a SQLite file keeps its articles across reopen, and migrations run once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const first = await openStore(url);
    await first.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await first.close();
    const second = await openStore(url);
    assert.equal(await second.countArticles(), 1);
    assert.deepEqual(await second.upsertArticles([makeArticle(1, { topics: ['a'] })]), { inserted: 0, updated: 0, unchanged: 1 });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unsupported DATABASE_URL is refused with a message naming it', async () => {
  await assert.rejects(openStore('mysql://x/y'), /DATABASE_URL: unsupported scheme "mysql:"/);
  await assert.rejects(openStore('postgres://x/y'), /DATABASE_URL: PostgreSQL is not implemented/);
});

test('another process\'s writes to the same file are seen within a second', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const server = await openStore(url);
    const cli = await openStore(url);
    const before = await server.currentRevision();
    await cli.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await server.currentRevision()) > before);
    assert.equal((await server.queryArticles({ topics: ['a'], limit: 5 })).length, 1);
    await Promise.all([server.close(), cli.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
