// A story over HTTP: one item in RSS, Atom, JSON Feed and the topic page, with its other sources
// (JSON `_tidings.related`, Atom rel="related", an RSS body footer, "Also reported by" on the page);
// `?stories=off` lists every copy, and a bad value is a 400 naming the parameter.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import request from 'supertest';
import type { IndexedArticle } from '../src/model.ts';
import { withIndexAndSignature } from '../src/stories/signature.ts';
import { startTestApp } from './helpers/app.ts';
import { makeArticle } from './store.contract.ts';

interface Labelled { id: string; title: string; text: string; lang: string; hour: number }
const { articles: labelled } = JSON.parse(readFileSync(new URL('./fixtures/stories/labelled.json', import.meta.url), 'utf8')) as { articles: Labelled[] };

function copy(id: string, sourceId: string): IndexedArticle {
  const l = labelled.find((a) => a.id === id)!;
  const published = new Date(Date.UTC(2026, 10, 3, 9) + l.hour * 3_600_000);
  return withIndexAndSignature(makeArticle(0, {
    id: `https://${sourceId}.example/${id}`, url: `https://${sourceId}.example/${id}`, title: l.title, summary: l.text.slice(0, 60),
    contentHtml: `<p>${l.text}</p>`, text: l.text, language: l.lang, published, updated: published, sourceId, topics: ['ukraine'],
  }));
}

const LEADER = 'https://agency.example/en-patriot-agency';
const COPY = 'https://paper.example/en-patriot-reprint';

test('a story is one item in every format, with its other sources', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles([copy('en-patriot-agency', 'agency')]);
  await store.upsertArticles([copy('en-patriot-reprint', 'paper')]);

  const json = (await request(app).get('/feeds/ukraine.json').expect(200)).body as { items: { id: string; _tidings: { related?: unknown } }[] };
  assert.deepEqual(json.items.map((i) => i.id), [LEADER]);
  assert.deepEqual(json.items[0]!._tidings.related, [{ url: COPY, source: 'paper', title: 'Third German Patriot battery arrives in Ukraine' }]);

  const atom = (await request(app).get('/feeds/ukraine.atom').expect(200)).text;
  assert.equal(atom.match(/<entry/g)?.length, 1);
  assert.match(atom, new RegExp(`<link rel="related" href="${COPY}" title="Third German Patriot battery arrives in Ukraine"/>`));

  const rss = (await request(app).get('/feeds/ukraine.rss').expect(200)).text;
  assert.equal(rss.match(/<item>/g)?.length, 1);
  assert.match(rss, /Also reported by: &lt;a href="https:\/\/paper\.example\/en-patriot-reprint"&gt;Third German Patriot battery arrives in Ukraine&lt;\/a&gt; \(paper\)/);

  const page = (await request(app).get('/topics/ukraine').expect(200)).text;
  assert.match(page, /Also reported by: <a href="https:\/\/paper\.example\/en-patriot-reprint">Third German Patriot battery arrives in Ukraine<\/a> \(paper\)/);
});

test('?stories=off lists every copy; a bad value names the parameter', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper')]);
  const json = (await request(app).get('/feeds/all.json?stories=off').expect(200)).body as { items: { id: string; _tidings: { related?: unknown } }[] };
  assert.deepEqual(json.items.map((i) => i.id).sort(), [LEADER, COPY].sort());
  assert.ok(json.items.every((i) => i._tidings.related === undefined));
  const bad = await request(app).get('/feeds/all.json?stories=maybe').expect(400);
  assert.match(JSON.stringify(bad.body), /stories/);
});

test('home and /topics count stories, not articles', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper'), copy('en-grain-ship-agency', 'agency')]);
  const topics = (await request(app).get('/topics').expect(200)).body as { id: string; count: number }[];
  assert.equal(topics.find((x) => x.id === 'ukraine')?.count, 2, 'two stories, three articles');
  assert.equal(((await request(app).get('/feeds/ukraine.json').expect(200)).body as { items: unknown[] }).items.length, 2);
});

test('a topic with `stories: off` lists every copy on its feeds and page, and counts every article', async (t) => {
  const { app, store, catalog } = await startTestApp(t);
  // Configured before the first request, as feeds/topics.yaml would be.
  catalog.topics = catalog.topics.map((x) => (x.id === 'ukraine' ? { ...x, stories: 'separate' as const } : x));
  await store.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper'), copy('en-grain-ship-agency', 'agency')]);
  const json = (await request(app).get('/feeds/ukraine.json').expect(200)).body as { items: { id: string; _tidings: { related?: unknown } }[] };
  assert.deepEqual(json.items.map((i) => i.id).sort(), [LEADER, COPY, 'https://agency.example/en-grain-ship-agency'].sort());
  assert.ok(json.items.every((i) => i._tidings.related === undefined));
  const page = (await request(app).get('/topics/ukraine').expect(200)).text;
  assert.ok(page.includes(COPY) && !page.includes('Also reported by'), 'the copy is listed on its own');
  const topics = (await request(app).get('/topics').expect(200)).body as { id: string; count: number }[];
  assert.equal(topics.find((x) => x.id === 'ukraine')?.count, 3);
  // A feed of several topics groups stories unless every one of them says `stories: off`.
  assert.equal(((await request(app).get('/feeds/europe,ukraine.json').expect(200)).body as { items: unknown[] }).items.length, 2);
});

test('an RSS item credits the channel its story came from in <source>; local and private sources are not credited', async (t) => {
  const { app, store, catalog } = await startTestApp(t);
  const source = (id: string, url: string, title?: string) => ({
    id, url, topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true, ...(title ? { title } : {}),
  });
  catalog.sources = [source('agency', 'https://agency.example/feed.xml', 'Agency & Wire'), source('paper', 'https://reader:s3cret@paper.example/rss')];
  await store.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper')]);
  const rss = (await request(app).get('/feeds/ukraine.rss').expect(200)).text;
  // The leader's own, original source; the copy is in the footer.
  assert.equal(rss.match(/<source /g)?.length, 1);
  assert.match(rss, /<source url="https:\/\/agency\.example\/feed\.xml">Agency &amp; Wire<\/source>/);
  const separate = (await request(app).get('/feeds/ukraine.rss?stories=off').expect(200)).text;
  assert.equal(separate.match(/<source /g)?.length, 1, 'a source with credentials in its URL is private: not credited');
  assert.doesNotMatch(separate, /s3cret|paper\.example\/rss/);
});
