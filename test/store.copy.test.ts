// `npm run copy-store` with the real backends, both ways: SQLite → PostgreSQL → a new SQLite file.
// Everything arrives (articles with topics, every source and searchable text; source state;
// subscriptions and delivered versions), a second run copies nothing, and disagreeing counts exit 1.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ArticleStore } from '../src/store/store.ts';
import { searchTerms } from '../src/text/search.ts';
import { findPgBin, missingPostgres, startPostgres, type PostgresCluster } from './helpers/postgres.ts';
import { entryArgs } from './helpers/server-process.ts';
import { makeArticle } from './store.contract.ts';

const skip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const ARTICLES = 1203; // more than two batches of 500

function copyStore(from: string, to: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entryArgs('src/cli/copy-store.ts'), from, to], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function fill(store: ArticleStore): Promise<void> {
  for (let start = 0; start < ARTICLES; start += 400) {
    const n = Math.min(400, ARTICLES - start);
    await store.upsertArticles(Array.from({ length: n }, (_, i) => makeArticle(start + i, {
      id: `urn:copy:${start + i}`, url: `https://e/${start + i}`, topics: [`t${(start + i) % 5}`], sourceId: `s${(start + i) % 3}`,
    })));
  }
  await store.upsertArticles([makeArticle(5000, { id: 'urn:copy:fr', url: 'https://e/fr', title: 'Президент Франції у Києві',
    contentHtml: '<p>Розмова з Зеленським про мʼяту</p>', sourceId: 'local', topics: ['europe'], slug: 'frantsiia' })]);
  await store.upsertArticles([makeArticle(5000, { id: 'urn:copy:fr-2', url: 'https://e/fr', sourceId: 'wire', topics: ['ukraine'] })]);
  await store.saveSourceState({ sourceId: 'wire', url: 'https://w/rss', status: 'ok', consecutiveFailures: 0, etag: '"e"', ttlMinutes: 60,
    nextPollAt: new Date(Date.UTC(2026, 5, 1)) });
  const lease = new Date(Date.now() + 86_400_000);
  await store.saveSubscription({ topicUrl: 'https://t/feeds/europe.rss', callback: 'https://sub/1', secret: 'k', expiresAt: lease, createdAt: new Date(1000) });
  await store.swapDeliveredVersion('https://t/feeds/europe.rss', undefined, 'v7');
}

async function assertCopied(store: ArticleStore): Promise<void> {
  assert.equal(await store.countArticles(), ARTICLES + 1);
  const fr = await store.getArticle('urn:copy:fr');
  assert.deepEqual(fr?.sources, ['local', 'wire'], 'every source of an article');
  assert.deepEqual(fr?.topics, ['europe', 'ukraine']);
  assert.equal((await store.getArticleBySlug('frantsiia'))?.id, 'urn:copy:fr');
  const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 5 })).map((a) => a.id);
  assert.deepEqual(await titles('франція'), ['urn:copy:fr'], 'the search text came along');
  assert.deepEqual(await titles("зеленського м'ята"), ['urn:copy:fr']);
  assert.equal((await store.queryArticles({ topics: ['t2'], limit: 500 })).length, Math.ceil((ARTICLES - 2) / 5));
  assert.equal((await store.getSourceState('wire'))?.ttlMinutes, 60);
  assert.equal((await store.getSourceState('wire'))?.nextPollAt?.toISOString(), '2026-06-01T00:00:00.000Z');
  assert.deepEqual((await store.listSubscriptions()).map((s) => [s.callback, s.secret]), [['https://sub/1', 'k']]);
  assert.equal(await store.getDeliveredVersion('https://t/feeds/europe.rss'), 'v7');
}

describe('copy-store between SQLite and PostgreSQL', skip === undefined ? {} : { skip }, () => {
  let cluster: PostgresCluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-copy-'));
  after(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SQLite → PostgreSQL → SQLite keeps everything; a second run copies nothing; a disagreement exits 1', async () => {
    const started = await startPostgres();
    if (started.kind !== 'ok') throw new Error(started.reason);
    cluster = started;
    const sqliteUrl = `sqlite:${join(dir, 'from.db')}`;
    const source = await openStore(sqliteUrl);
    await fill(source);
    await source.close();

    const pgUrl = await cluster.freshDatabase();
    const first = await copyStore(sqliteUrl, pgUrl);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`articles: ${ARTICLES + 1} copied, 0 already there`));
    assert.match(first.stdout, /counts match/);
    const pgStore = await openStore(pgUrl);
    await assertCopied(pgStore);
    await pgStore.close();

    const again = await copyStore(sqliteUrl, pgUrl);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`articles: 0 copied, ${ARTICLES + 1} already there`), 'resumable: skips what is there');

    const backUrl = `sqlite:${join(dir, 'back.db')}`;
    const partial = await openStore(backUrl);
    await partial.upsertArticles([makeArticle(7, { id: 'urn:copy:7', url: 'https://e/7', topics: ['t2'], sourceId: 's1' })]);
    await partial.close();
    const back = await copyStore(pgUrl, backUrl);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, new RegExp(`articles: ${ARTICLES} copied, 1 already there`), 'an interrupted copy resumes');
    const backStore = await openStore(backUrl);
    await assertCopied(backStore);
    await backStore.upsertArticles([makeArticle(9999, { id: 'urn:copy:extra', url: 'https://e/extra' })]);
    await backStore.close();

    const mismatch = await copyStore(pgUrl, backUrl);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /count mismatch: articles: 1204 in the source, 1205 in the target/);
  });
});
