// A re-poll pays for what changed: the same bytes again cost a hash (no parse, no write), and a feed
// with one new or edited item normalizes, classifies and writes that item only. Real upstream HTTP
// server on 127.0.0.1 sending no validators, real SQLite store.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { compileTopics } from '../src/classify/topics.ts';
import { createPollSource } from '../src/ingest/pipeline.ts';
import { processFeed, type FeedJob, type FeedOutcome } from '../src/ingest/process-feed.ts';
import { silentLogger } from '../src/log.ts';
import type { IndexedArticle, Source, Topic } from '../src/model.ts';
import { openStore } from '../src/store/store.ts';
import { startUpstream } from './helpers/upstream.ts';

const TOPICS: Topic[] = [
  { id: 'tech', title: 'Tech', description: '', rules: { keywords: ['chips'], categories: [], sources: [] } },
  { id: 'wire', title: 'Wire', description: '', rules: { keywords: [], categories: [], sources: [] } },
];

function rss(items: { guid: string; title: string }[], ttl = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Upstream</title><link>https://upstream.example/</link><description>d</description>${ttl}
${items.map((i) => `<item><guid isPermaLink="false">${i.guid}</guid><title>${i.title}</title>
<link>https://upstream.example/${i.guid}</link><pubDate>Tue, 06 Jan 2026 10:00:00 +0200</pubDate>
<description>Text of ${i.title}</description></item>`).join('\n')}
</channel></rss>`;
}

function source(url: string, over: Partial<Source> = {}): Source {
  return { id: 'wire', url, topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true, ...over };
}

/** A pipeline whose parses (processFeed calls) and store writes (articles handed to upsert) are counted. */
async function rig(t: TestContext) {
  const up = await startUpstream();
  const store = await openStore('sqlite::memory:');
  t.after(async () => {
    await up.close();
    await store.close();
  });
  const compiled = compileTopics(TOPICS);
  const parses: FeedOutcome[] = [];
  const written: IndexedArticle[][] = [];
  const now = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));
  const poll = createPollSource({
    store: {
      ...store,
      upsertArticles: (articles) => {
        written.push(articles);
        return store.upsertArticles(articles);
      },
    },
    topics: () => ({ topics: TOPICS, compiled }),
    processFeed: async (job: FeedJob) => {
      const outcome = await processFeed(job, compiled);
      parses.push(outcome);
      return outcome;
    },
    baseUrl: 'http://tidings.test',
    userAgent: 'Tidings/test (+http://tidings.test)',
    log: silentLogger(),
    now: () => now,
    random: () => 0.5,
  });
  return { up, store, poll, parses, written, now };
}

const fifty = Array.from({ length: 50 }, (_, i) => ({ guid: `g${i}`, title: `Item ${i}` }));

test('the same bytes without validators again cost a hash: no parse, no write, and the <ttl> still schedules', async (t) => {
  const { up, store, poll, parses, written, now } = await rig(t);
  up.route('/feed.xml', { body: rss(fifty, '<ttl>120</ttl>') });
  const src = source(up.url('/feed.xml'));
  const first = await poll(src);
  assert.equal(first.outcome, 'ok');
  assert.equal(first.newItems, 50);
  const revision = await store.currentRevision();

  const second = await poll(src);
  assert.equal(up.requests('/feed.xml').length, 2, 'the body was fetched again');
  assert.equal(up.requests('/feed.xml')[1]?.headers['if-none-match'], undefined, 'the server sent no validators');
  assert.equal(parses.length, 1, 'the second body was not parsed');
  assert.equal(written.length, 1, 'nothing was handed to the store');
  assert.equal(await store.currentRevision(), revision, 'the store did not change');
  assert.equal(second.outcome, 'not-modified');
  assert.equal(second.newItems + second.updatedItems, 0);
  assert.equal(second.nextPollAt.getTime() - now.getTime(), 120 * 60_000, "the feed's <ttl> of 120 min still rules");
  const state = await store.getSourceState('wire');
  assert.equal(state?.status, 'not-modified');
  assert.equal(state?.ttlMinutes, 120);
  assert.equal(state?.itemHashes?.length, 51, "50 items' hashes and the frame's");
});

test('the same bytes under a changed source configuration are processed again', async (t) => {
  const { up, store, poll, parses } = await rig(t);
  up.route('/feed.xml', { body: rss([{ guid: 'a', title: 'Plain news' }]) });
  await poll(source(up.url('/feed.xml')));
  const again = await poll(source(up.url('/feed.xml'), { topics: ['wire'] }));
  assert.equal(parses.length, 2);
  assert.equal(again.outcome, 'ok');
  assert.equal(again.updatedItems, 1);
  assert.deepEqual((await store.queryArticles({ limit: 1 }))[0]?.topics, ['wire'], 'the new default topic is applied');
});

test('of 50 items, one edited and one new: only those two are normalized and written; the others stay untouched', async (t) => {
  const { up, store, poll, parses, written } = await rig(t);
  up.route('/feed.xml', { body: rss(fifty) });
  const src = source(up.url('/feed.xml'));
  await poll(src);
  const before = new Map((await store.queryArticles({ limit: 100 })).map((a) => [a.title, a]));
  assert.equal(before.size, 50);

  const edited = fifty.map((item) => (item.guid === 'g7' ? { ...item, title: 'Item 7, about chips' } : item));
  up.route('/feed.xml', { body: rss([{ guid: 'new', title: 'Brand new' }, ...edited]) });
  const result = await poll(src);
  assert.equal(result.outcome, 'ok');
  assert.equal(result.newItems, 1);
  assert.equal(result.updatedItems, 1);
  const second = parses[1];
  assert.equal(second?.kind, 'ok');
  if (second?.kind !== 'ok') return;
  assert.deepEqual(second.articles.map((a) => a.title).sort(), ['Brand new', 'Item 7, about chips'], 'only the changed items were normalized');
  assert.equal(second.unchangedItems, 49);
  assert.deepEqual(written[1]?.map((a) => a.title).sort(), ['Brand new', 'Item 7, about chips'], 'only they were written');

  const after = await store.queryArticles({ limit: 100 });
  assert.equal(after.length, 51);
  const seven = after.find((a) => a.title === 'Item 7, about chips');
  assert.deepEqual(seven?.topics, ['tech'], 'the edited item was classified again');
  for (const article of after) {
    const old = before.get(article.title);
    if (!old) continue;
    assert.equal(article.updated.getTime(), old.updated.getTime(), `${article.title}: updated unchanged`);
  }
  assert.equal((await store.getSourceState('wire'))?.itemHashes?.length, 52, "51 items' hashes and the frame's");

  up.route('/feed.xml', { body: rss(fifty) });
  const reverted = await poll(src);
  assert.equal(reverted.updatedItems, 1, 'item 7 back to its first text is an edit again');
  assert.equal(reverted.newItems, 0);
});

test('a re-poll skips items by their bytes: a new lastBuildDate and title reach no item, and the new item alone is written', async (t) => {
  const { up, store, poll, parses, written } = await rig(t);
  const withDate = (body: string, date: string, title = 'Upstream'): string =>
    body.replace('<title>Upstream</title>', `<title>${title}</title><lastBuildDate>${date}</lastBuildDate>`);
  up.route('/feed.xml', { body: withDate(rss(fifty), 'Tue, 06 Jan 2026 10:00:00 GMT') });
  const src = source(up.url('/feed.xml'));
  await poll(src);
  const hashes = (await store.getSourceState('wire'))?.itemHashes ?? [];
  assert.equal(hashes.length, 51);
  assert.equal(hashes.filter((h) => /^[\w-]+\.[\w-]+$/.test(h)).length, 50, 'an entry per item pairs the bytes\' hash with the parsed item\'s');
  assert.equal(hashes.filter((h) => /^~[\w-]+$/.test(h)).length, 1, 'one entry is the hash of the frame they were taken under');

  up.route('/feed.xml', { body: withDate(rss([{ guid: 'new', title: 'Brand new' }, ...fifty]), 'Wed, 07 Jan 2026 10:00:00 GMT', 'Upstream, renamed') });
  const result = await poll(src);
  assert.equal(result.newItems, 1);
  assert.equal(result.updatedItems, 0);
  const second = parses[1];
  assert.ok(second?.kind === 'ok');
  assert.deepEqual(second.articles.map((a) => a.title), ['Brand new']);
  assert.equal(second.unchangedItems, 50);
  assert.equal(second.itemCount, 51);
  assert.equal(second.title, 'Upstream, renamed', 'the frame is still read');
  assert.deepEqual(written[1]?.map((a) => a.title), ['Brand new']);
  assert.equal((await store.getSourceState('wire'))?.feedTitle, 'Upstream, renamed');
  assert.equal((await store.getSourceState('wire'))?.itemHashes?.length, 52);
});

test('an item whose bytes moved but which reads the same is not written again', async (t) => {
  const { up, store, poll, parses } = await rig(t);
  up.route('/feed.xml', { body: rss(fifty) });
  const src = source(up.url('/feed.xml'));
  await poll(src);
  const revision = await store.currentRevision();
  up.route('/feed.xml', { body: rss(fifty).replace('<title>Item 3</title>', '<title>Item 3</title>   ') });
  const result = await poll(src);
  assert.equal(result.outcome, 'ok', 'the body differs, so it was processed');
  assert.equal(result.newItems + result.updatedItems, 0);
  assert.ok(parses[1]?.kind === 'ok');
  assert.equal(parses[1].articles.length, 0, 'item 3 was parsed again and found unchanged');
  assert.equal(await store.currentRevision(), revision, 'the store did not change');
});

test('a frame value items inherit (Atom feed author, xml:base) changes every item that inherits it', async (t) => {
  const { up, store, poll } = await rig(t);
  const atom = (author: string, base: string): string => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${base}"><title>Atom upstream</title><id>urn:x</id>
<updated>2026-01-06T10:00:00Z</updated><author><name>${author}</name></author>
${['a', 'b', 'c'].map((id) => `<entry><id>urn:${id}</id><title>Entry ${id}</title><link href="${id}.html"/>
<updated>2026-01-06T10:00:00Z</updated><summary>Text of ${id}</summary></entry>`).join('\n')}
</feed>`;
  up.route('/atom.xml', { body: atom('First Desk', 'https://one.example/') });
  const src = source(up.url('/atom.xml'));
  await poll(src);
  const before = await store.queryArticles({ limit: 10 });
  assert.deepEqual(before.map((a) => a.authors[0]?.name), ['First Desk', 'First Desk', 'First Desk']);

  up.route('/atom.xml', { body: atom('Second Desk', 'https://one.example/') });
  const renamed = await poll(src);
  assert.equal(renamed.updatedItems, 3, 'the entries inherit the feed author: all three changed');
  assert.deepEqual((await store.queryArticles({ limit: 10 })).map((a) => a.authors[0]?.name), ['Second Desk', 'Second Desk', 'Second Desk']);

  up.route('/atom.xml', { body: atom('Second Desk', 'https://two.example/') });
  const rebased = await poll(src);
  assert.equal(rebased.outcome, 'ok');
  const urls = (await store.queryArticles({ limit: 10 })).map((a) => a.url).sort();
  assert.deepEqual(urls, ['https://two.example/a.html', 'https://two.example/b.html', 'https://two.example/c.html']);
});

test('a malformed re-poll is parsed whole, recovered, and its items still written', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/feed.xml', { body: rss(fifty) });
  const src = source(up.url('/feed.xml'));
  await poll(src);
  up.route('/feed.xml', { body: rss([{ guid: 'new', title: 'Brand new' }, ...fifty]).replace('<description>Text of Brand new', '<description>Text of <br> Brand new') });
  const result = await poll(src);
  assert.equal(result.outcome, 'ok');
  assert.equal(result.newItems, 1);
  assert.equal(result.updatedItems, 0, 'the other items are still known by their parsed hashes');
  assert.match((await store.getSourceState('wire'))?.malformed ?? '', /recovered leniently/);
});

test('a re-poll parses only the new items when the frame is unchanged, and every item when the frame changed', async () => {
  const compiled = compileTopics(TOPICS);
  const job = (text: string, knownItems?: string[]): FeedJob => ({
    text, url: 'https://upstream.example/feed.xml', source: source('https://upstream.example/feed.xml'), baseUrl: 'http://tidings.test',
    now: new Date(Date.UTC(2026, 0, 10)), topics: TOPICS, maxItems: 100, ...(knownItems ? { knownItems } : {}),
  });
  const first = await processFeed(job(rss(fifty)), compiled);
  assert.ok(first.kind === 'ok');
  // Each entry's parsed half replaced by one no item has: an item that is parsed again now reads as
  // changed, and one skipped by its bytes does not. That tells which items were parsed.
  const bytesOnly = first.itemHashes.map((entry) => entry.replace(/\.[\w-]+$/, '.not-a-parsed-hash'));
  const withNew = rss([{ guid: 'new', title: 'Brand new' }, ...fifty]);

  const sameFrame = await processFeed(job(withNew, bytesOnly), compiled);
  assert.ok(sameFrame.kind === 'ok');
  assert.deepEqual(sameFrame.articles.map((a) => a.title), ['Brand new'], 'the 50 known items were not parsed');
  assert.equal(sameFrame.unchangedItems, 50);

  const renamed = await processFeed(job(withNew.replace('<title>Upstream</title>', '<title>Upstream, renamed</title>'), bytesOnly), compiled);
  assert.ok(renamed.kind === 'ok');
  assert.equal(renamed.title, 'Upstream, renamed');
  assert.equal(renamed.articles.length, 51, 'a new frame: every item was parsed again (and here, read as changed)');
});
