// The ArticleStore contract: every backend (SQLite today, PostgreSQL tomorrow) runs this same suite
// from its own *.test.ts file with a function that opens a fresh, empty store.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ArticleQuery, IndexedArticle } from '../src/model.ts';
import { htmlToText } from '../src/normalize/html.ts';
import { searchableText, searchTerms } from '../src/text/search.ts';
import type { ArticleStore } from '../src/store/store.ts';

export type OpenFreshStore = () => Promise<ArticleStore>;

const day = 24 * 3600 * 1000;
const base = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A test article; its plain text is what normalize would hand on for its contentHtml. */
export function makeArticle(n: number, over: Partial<IndexedArticle> = {}): IndexedArticle {
  const published = new Date(base + n * day);
  const article = {
    id: `urn:tidings:test:${String(n).padStart(4, '0')}`,
    title: `Article ${n}`,
    url: `https://example.org/articles/${n}`,
    summary: `Summary of article ${n}`,
    contentHtml: `<p>Body of article ${n}</p>`,
    published,
    updated: published,
    authors: [],
    language: 'en',
    sourceId: 'test',
    categories: [],
    topics: [],
    enclosures: [],
    ...over,
  };
  return { ...article, text: over.text ?? htmlToText(article.contentHtml) };
}

async function withStore(open: OpenFreshStore, fn: (store: ArticleStore) => Promise<void>): Promise<void> {
  const store = await open();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** `skip` names why the backend cannot run here (see test/helpers/postgres.ts). */
export function runStoreContract(name: string, open: OpenFreshStore, options: { skip?: string } = {}): void {
  describe(`ArticleStore contract: ${name}`, options.skip === undefined ? {} : { skip: options.skip }, () => {
    test('articles without a link of their own are never merged by their empty URL', () => withStore(open, async (store) => {
      const linkless = [1, 2, 3].map((n) => makeArticle(n, { url: '', topics: ['a'] }));
      const result = await store.upsertArticles(linkless);
      assert.equal(result.inserted, 3);
      assert.deepEqual((await store.queryArticles({ topics: ['a'], limit: 10 })).map((a) => a.url), ['', '', '']);
      // Another linkless article from another source is another article too.
      assert.equal((await store.upsertArticles([makeArticle(4, { url: '', sourceId: 'other', topics: ['a'] })])).inserted, 1);
    }));

    test('round-trips every field of an article, Cyrillic included', () => withStore(open, async (store) => {
      const article = makeArticle(1, {
        title: 'Президенти України та Франції: «ППО» & <дипломатія>',
        summary: 'Зустріч у Парижі',
        contentHtml: '<p>Текст статті про ґрунтовну розмову</p>',
        authors: [{ name: 'Олена Петренко', url: 'https://example.org/o', email: 'o@example.org' }],
        language: 'uk',
        categories: ['Політика'],
        topics: ['ukraine', 'diplomacy'],
        image: 'https://example.org/i.jpg',
        enclosures: [{ url: 'https://example.org/a.mp3', type: 'audio/mpeg', length: 1234 }],
        slug: 'prezydenty-ukrainy',
        sourceId: 'local',
      });
      await store.upsertArticles([article]);
      const got = await store.getArticle(article.id);
      assert.ok(got);
      const { text: _text, ...published } = article;
      assert.deepEqual({ ...got, sources: undefined }, { ...published, sources: undefined }, 'the text is indexed, not returned');
      assert.deepEqual(got.sources, ['local']);
      assert.equal((await store.getArticleBySlug('prezydenty-ukrainy'))?.id, article.id);
      assert.equal(await store.getArticleBySlug('nope'), undefined);
      assert.equal(await store.getArticle('urn:nope'), undefined);
    }));

    test('re-reading the same articles is idempotent: no duplicates, no `updated` change', () => withStore(open, async (store) => {
      const batch = [1, 2, 3].map((n) => makeArticle(n, { topics: ['a'] }));
      assert.deepEqual(await store.upsertArticles(batch), { inserted: 3, updated: 0, unchanged: 0 });
      const versionBefore = await store.queryVersion({ limit: 50 });
      assert.deepEqual(await store.upsertArticles(batch), { inserted: 0, updated: 0, unchanged: 3 });
      assert.equal(await store.countArticles(), 3);
      assert.equal((await store.getArticle(batch[0]!.id))?.updated.getTime(), batch[0]!.updated.getTime());
      assert.deepEqual(await store.queryVersion({ limit: 50 }), versionBefore);
    }));

    test('a changed article is updated in place and its `updated` moves forward', () => withStore(open, async (store) => {
      const original = makeArticle(1, { topics: ['a'] });
      await store.upsertArticles([original]);
      const before = await store.queryVersion({ topics: ['a'], limit: 50 });
      const edited = { ...original, title: 'Article 1, corrected' }; // the source did not bump its date
      assert.deepEqual(await store.upsertArticles([edited]), { inserted: 0, updated: 1, unchanged: 0 });
      const got = await store.getArticle(original.id);
      assert.equal(got?.title, 'Article 1, corrected');
      assert.ok(got!.updated.getTime() > original.updated.getTime());
      assert.equal(await store.countArticles(), 1);
      assert.notEqual((await store.queryVersion({ topics: ['a'], limit: 50 })).tag, before.tag);
    }));

    test('topic queries are newest first, unite topics without duplicates, and respect limit', () => withStore(open, async (store) => {
      await store.upsertArticles([
        makeArticle(1, { topics: ['a'] }),
        makeArticle(2, { topics: ['b'] }),
        makeArticle(3, { topics: ['a', 'b'] }),
        makeArticle(4, { topics: ['c'] }),
        makeArticle(5, { topics: ['a'] }),
      ]);
      const titles = async (q: Parameters<ArticleStore['queryArticles']>[0]) =>
        (await store.queryArticles(q)).map((a) => a.title);
      assert.deepEqual(await titles({ topics: ['a'], limit: 50 }), ['Article 5', 'Article 3', 'Article 1']);
      assert.deepEqual(await titles({ topics: ['a', 'b'], limit: 50 }), ['Article 5', 'Article 3', 'Article 2', 'Article 1']);
      assert.deepEqual(await titles({ topics: ['a', 'b'], limit: 2 }), ['Article 5', 'Article 3']);
      assert.deepEqual(await titles({ limit: 50 }), ['Article 5', 'Article 4', 'Article 3', 'Article 2', 'Article 1']);
      assert.deepEqual(await titles({ topics: ['a', 'b'], excludeTopics: ['b'], limit: 50 }), ['Article 5', 'Article 1']);
      assert.deepEqual(await titles({ topics: ['missing'], limit: 50 }), []);
      const counts = await store.countByTopic();
      assert.equal(counts.get('a'), 3);
      assert.equal(counts.get('b'), 2);
      assert.equal(counts.get('c'), 1);
    }));

    test('counts follow every write: asked between writes, they are what the last write left', () => withStore(open, async (store) => {
      const counts = async () => ({ topics: Object.fromEntries(await store.countByTopic()), sources: Object.fromEntries(await store.countBySource()) });
      await store.upsertArticles([makeArticle(1, { topics: ['a'], sourceId: 's1' })]);
      assert.deepEqual(await counts(), { topics: { a: 1 }, sources: { s1: 1 } });
      await store.upsertArticles([makeArticle(2, { topics: ['a', 'b'], sourceId: 's2' })]);
      // Asked together, they agree, and both see the write.
      const [first, second] = await Promise.all([counts(), counts()]);
      assert.deepEqual(first, { topics: { a: 2, b: 1 }, sources: { s1: 1, s2: 1 } });
      assert.deepEqual(second, first);
      assert.equal(await store.reclassify((article) => article.id === makeArticle(1).id, () => ['c']), 1);
      assert.deepEqual((await counts()).topics, { a: 1, b: 1, c: 1 });
      assert.equal(await store.removeArticlesNotIn('s2', []), 1);
      assert.deepEqual(await counts(), { topics: { c: 1 }, sources: { s1: 1 } });
    }));

    test('without stories, counts per topic are articles whatever the options, and regrouping finds nothing', () => withStore(open, async (store) => {
      // Unsigned articles (no language, as local articles were before they were signed) never join a story.
      await store.upsertArticles([1, 2, 3].map((n) => makeArticle(n, { topics: ['a'], title: 'Same words', contentHtml: '<p>Same words</p>', sourceId: `s${n}` })));
      assert.deepEqual(await store.regroupStories({ since: new Date(0) }), { examined: 0, joined: 0 });
      for (const options of [undefined, { separate: ['a'] }, { separate: 'all' as const }]) {
        assert.equal((await store.countByTopic(options)).get('a'), 3);
      }
    }));

    test('filters by source, language prefix and date', () => withStore(open, async (store) => {
      await store.upsertArticles([
        makeArticle(1, { sourceId: 's1', language: 'uk' }),
        makeArticle(2, { sourceId: 's2', language: 'en-GB' }),
        makeArticle(3, { sourceId: 's1', language: 'en' }),
      ]);
      const ids = async (q: Parameters<ArticleStore['queryArticles']>[0]) =>
        (await store.queryArticles(q)).map((a) => a.title);
      assert.deepEqual(await ids({ sources: ['s1'], limit: 50 }), ['Article 3', 'Article 1']);
      assert.deepEqual(await ids({ lang: 'en', limit: 50 }), ['Article 3', 'Article 2']);
      assert.deepEqual(await ids({ lang: 'EN-gb', limit: 50 }), ['Article 2']);
      assert.deepEqual(await ids({ since: new Date(base + 2 * day), limit: 50 }), ['Article 3', 'Article 2']);
      assert.deepEqual(Object.fromEntries(await store.countBySource()), { s1: 2, s2: 1 });
    }));

    test('full-text search is case-insensitive in Cyrillic and English', () => withStore(open, async (store) => {
      await store.upsertArticles([
        makeArticle(1, { title: 'Зустріч у Парижі', contentHtml: '<p>Говорили про ППО та ракети</p>' }),
        makeArticle(2, { title: 'Budget talks', summary: 'Parliament debates the BUDGET' }),
        makeArticle(3, { title: 'Weather', contentHtml: '<p>Sunny in <b>Kyiv</b></p>' }),
      ]);
      const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 50 })).map((a) => a.title);
      assert.deepEqual(await titles('ппо'), ['Зустріч у Парижі']);
      assert.deepEqual(await titles('ПАРИЖІ'), ['Зустріч у Парижі']);
      assert.deepEqual(await titles('budget'), ['Budget talks']);
      assert.deepEqual(await titles('kyiv'), ['Weather'], 'text inside markup is searchable');
      assert.deepEqual(await titles('b'), [], 'tag names are not indexed as words');
      assert.deepEqual(await titles('парит*'), []);
      assert.deepEqual(await titles('пари*'), ['Зустріч у Парижі']);
      assert.deepEqual(await titles('"unbalanced (query OR'), [], 'FTS syntax in user input is not an error');
    }));

    test('search speaks Ukrainian: stems and prefixes query words, one apostrophe for three', () => withStore(open, async (store) => {
      await store.upsertArticles([
        makeArticle(1, { title: 'Президент Франції прибув до Києва', contentHtml: '<p>Зустріч із Зеленським</p>' }),
        makeArticle(2, { title: 'Заява: Зеленський про ППО', summary: 'Коротко' }),
        makeArticle(3, { title: 'Чай із мʼятою', contentHtml: '<p>Прем’єра нового сорту</p>' }),
        makeArticle(4, { title: "М'ята на городі", contentHtml: "<p>Прем'єр-міністр садить м'яту</p>" }),
        makeArticle(5, { title: 'EU\'s new sanctions', contentHtml: '<p>Brussels sanctioned three firms; café owners protested</p>' }),
      ]);
      const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 50 })).map((a) => a.title);
      assert.deepEqual(await titles('франція'), ['Президент Франції прибув до Києва']);
      assert.deepEqual(await titles('зеленського'), ['Заява: Зеленський про ППО', 'Президент Франції прибув до Києва']);
      assert.deepEqual(await titles('Київ'), [], 'a consonant ending is kept whole: Київ is not Києва');
      assert.deepEqual(await titles('києва'), ['Президент Франції прибув до Києва']);
      const mint = ['М\'ята на городі', 'Чай із мʼятою'];
      assert.deepEqual(await titles("м'ята"), mint, "' finds ʼ and '");
      assert.deepEqual(await titles('м’ята'), mint, '’ too');
      assert.deepEqual(await titles('мʼяту'), mint, 'ʼ too, stemmed');
      assert.deepEqual(await titles('прем’єра'), ['М\'ята на городі', 'Чай із мʼятою']);
      assert.deepEqual(await titles('ппо зеленський'), ['Заява: Зеленський про ППО'], 'every word must match');
      assert.deepEqual(await titles('EU'), ['EU\'s new sanctions'], 'an English possessive still contains its word');
      assert.deepEqual(await titles('sanction'), ['EU\'s new sanctions']);
      assert.deepEqual(await titles('SANCTIONS'), ['EU\'s new sanctions']);
      assert.deepEqual(await titles('cafe'), ['EU\'s new sanctions'], 'Latin diacritics are folded');
      assert.deepEqual(await titles('firm'), ['EU\'s new sanctions']);
      assert.deepEqual(await titles('fir'), [], 'a word of three letters matches whole');
    }));

    test('text folded by the ingest worker (searchable) is indexed as handed over, as the store would fold it', () => withStore(open, async (store) => {
      const folded = (a: IndexedArticle): IndexedArticle => ({ ...a, searchable: searchableText(a) });
      await store.upsertArticles([
        folded(makeArticle(1, { title: 'Café owners in Київ', contentHtml: '<p>Прем’єр-міністр спостерігав</p>' })),
        // What the store indexes is what it is handed: the worker's folding is not done again.
        { ...makeArticle(2, { title: 'Plain title' }), searchable: { title: 'plain title', summary: '', text: 'handed over words', stems: 'plain titl hand over word' } },
      ]);
      const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 50 })).map((a) => a.title);
      assert.deepEqual(await titles('cafe'), ['Café owners in Київ']);
      assert.deepEqual(await titles('київ'), ['Café owners in Київ']);
      assert.deepEqual(await titles("прем'єр"), ['Café owners in Київ']);
      assert.deepEqual(await titles('handed over'), ['Plain title']);
    }));

    test('full-text search follows an article through update and removal', () => withStore(open, async (store) => {
      const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 50 })).map((a) => a.title);
      const first = makeArticle(1, { sourceId: 'local', title: 'Harbour news', summary: 'Ferries', contentHtml: '<p>Old pier</p>' });
      await store.upsertArticles([first, makeArticle(2, { sourceId: 'local', title: 'Pier two', contentHtml: '<p>Pier</p>' })]);
      assert.deepEqual(await titles('ferries'), ['Harbour news']);
      assert.deepEqual((await titles('pier')).sort(), ['Harbour news', 'Pier two']);
      const edited = { ...first, title: 'Harbour update', summary: 'Boats', contentHtml: '<p>New quay</p>', text: 'New quay' };
      assert.deepEqual(await store.upsertArticles([edited]), { inserted: 0, updated: 1, unchanged: 0 });
      assert.deepEqual(await titles('quay'), ['Harbour update']);
      assert.deepEqual(await titles('boats'), ['Harbour update']);
      assert.deepEqual(await titles('ferries'), [], 'the old summary is no longer found');
      assert.deepEqual(await titles('pier'), ['Pier two'], 'nor the old body');
      assert.equal(await store.removeArticlesNotIn('local', [first.id]), 1);
      assert.deepEqual(await titles('pier'), []);
      assert.deepEqual(await titles('harbour'), ['Harbour update']);
    }));

    test('a cursor walks the whole archive exactly once, ties on date broken by id', () => withStore(open, async (store) => {
      const sameDay = new Date(base);
      const batch = [
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => makeArticle(n, { topics: ['a'] })),
        ...['x', 'y', 'z'].map((s) => makeArticle(0, { id: `urn:tie:${s}`, url: `https://e/${s}`, title: s, published: sameDay, updated: sameDay, topics: ['a'] })),
      ];
      await store.upsertArticles(batch);
      for (const topics of [undefined, ['a']]) {
        const seen: string[] = [];
        let before;
        for (let page = 0; page < 10; page++) {
          const q: Parameters<ArticleStore['queryArticles']>[0] = { limit: 3 };
          if (topics) q.topics = topics;
          if (before) q.before = before;
          const got = await store.queryArticles(q);
          if (got.length === 0) break;
          seen.push(...got.map((a) => a.id));
          const last = got[got.length - 1]!;
          before = { published: last.published, id: last.id };
        }
        assert.equal(seen.length, 10);
        assert.equal(new Set(seen).size, 10);
        assert.deepEqual(seen.slice(-3), ['urn:tie:z', 'urn:tie:y', 'urn:tie:x']);
      }
    }));

    test('an `after` cursor returns the page just newer than it, newest first', () => withStore(open, async (store) => {
      await store.upsertArticles([1, 2, 3, 4, 5, 6, 7].map((n) => makeArticle(n, { topics: n % 2 ? ['a'] : ['b'] })));
      const at = (n: number) => ({ published: makeArticle(n).published, id: makeArticle(n).id });
      const titles = async (q: Parameters<ArticleStore['queryArticles']>[0]) => (await store.queryArticles(q)).map((a) => a.title);
      assert.deepEqual(await titles({ after: at(2), limit: 3 }), ['Article 5', 'Article 4', 'Article 3']);
      assert.deepEqual(await titles({ after: at(5), limit: 3 }), ['Article 7', 'Article 6']);
      assert.deepEqual(await titles({ topics: ['a', 'b'], after: at(2), limit: 3 }), ['Article 5', 'Article 4', 'Article 3']);
      assert.deepEqual(await titles({ topics: ['a'], after: at(1), limit: 2 }), ['Article 5', 'Article 3']);
    }));

    test('the same article from two sources is stored once, with both sources and topics', () => withStore(open, async (store) => {
      const first = makeArticle(1, { id: 'https://news.example/a?x=1', url: 'https://news.example/a', sourceId: 's1', topics: ['a'] });
      const second = { ...first, id: 'urn:tidings:s2:guid-77', sourceId: 's2', topics: ['b'] };
      await store.upsertArticles([first]);
      await store.upsertArticles([second]);
      assert.equal(await store.countArticles(), 1);
      const got = await store.getArticle(first.id);
      assert.deepEqual(got?.sources, ['s1', 's2']);
      assert.deepEqual((await store.queryArticles({ topics: ['b'], limit: 5 })).map((a) => a.id), [first.id]);
      // A page of articles reads its sources in one go: the result must be the same as one by one.
      assert.deepEqual((await store.queryArticles({ topics: ['a'], limit: 5 }))[0]?.sources, ['s1', 's2']);
      assert.deepEqual((await store.queryArticles({ sources: ['s2'], limit: 5 })).map((a) => a.id), [first.id]);
    }));

    test('removing a deleted local file removes its article and changes every version', () => withStore(open, async (store) => {
      await store.upsertArticles([1, 2, 3].map((n) => makeArticle(n, { sourceId: 'local', topics: ['a'] })));
      await store.upsertArticles([makeArticle(9, { sourceId: 'remote', topics: ['b'] })]);
      const versionA = await store.queryVersion({ topics: ['a'], limit: 50 });
      const revision = await store.currentRevision();
      const keep = [makeArticle(1).id, makeArticle(3).id];
      assert.equal(await store.removeArticlesNotIn('local', keep), 1);
      assert.equal(await store.getArticle(makeArticle(2).id), undefined);
      assert.equal(await store.countArticles(), 3, 'other sources are untouched');
      assert.deepEqual((await store.countByTopic()).get('a'), 2);
      assert.notEqual((await store.queryVersion({ topics: ['a'], limit: 50 })).tag, versionA.tag);
      assert.ok((await store.currentRevision()) > revision);
      assert.equal(await store.removeArticlesNotIn('local', keep), 0);
    }));

    test('the articles after a version are the page that version described, even when a write came between', () => withStore(open, async (store) => {
      await store.upsertArticles([makeArticle(1, { topics: ['a'] }), makeArticle(2, { topics: ['a'] })]);
      const query: ArticleQuery = { topics: ['a'], limit: 50 };
      const version = await store.queryVersion(query);
      await store.upsertArticles([makeArticle(3, { topics: ['a'] })]);
      const described = await store.queryArticles(query);
      assert.deepEqual(described.map((a) => a.title), ['Article 2', 'Article 1'], 'the page of the version read');
      assert.deepEqual((await store.queryArticles(query)).map((a) => a.title), ['Article 3', 'Article 2', 'Article 1'], 'once: then the store as it is');
      assert.notEqual((await store.queryVersion(query)).tag, version.tag);
    }));

    test('query versions change with additions and ignore unrelated topics', () => withStore(open, async (store) => {
      await store.upsertArticles([makeArticle(1, { topics: ['a'] }), makeArticle(2, { topics: ['b'] })]);
      const a1 = await store.queryVersion({ topics: ['a'], limit: 50 });
      const b1 = await store.queryVersion({ topics: ['b'], limit: 50 });
      assert.ok(a1.lastModified.getTime() > 0);
      await store.upsertArticles([makeArticle(3, { topics: ['b'] })]);
      assert.deepEqual(await store.queryVersion({ topics: ['a'], limit: 50 }), a1);
      assert.notEqual((await store.queryVersion({ topics: ['b'], limit: 50 })).tag, b1.tag);
    }));

    test('reclassify recomputes topics of the selected articles only, and changes their versions', () => withStore(open, async (store) => {
      await store.upsertArticles([
        makeArticle(1, { topics: ['a'], sourceId: 'wire' }),
        makeArticle(2, { topics: ['a'], sourceId: 'local' }),
        makeArticle(3, { topics: ['b'], sourceId: 'wire' }),
      ]);
      const before = await store.queryVersion({ topics: ['c'], limit: 50 });
      const changed = await store.reclassify((a) => a.sourceId === 'wire', (a) => (a.title === 'Article 1' ? ['c'] : a.topics));
      assert.equal(changed, 1);
      assert.deepEqual((await store.queryArticles({ topics: ['c'], limit: 9 })).map((a) => a.title), ['Article 1']);
      assert.deepEqual((await store.queryArticles({ topics: ['a'], limit: 9 })).map((a) => a.title), ['Article 2']);
      assert.notEqual((await store.queryVersion({ topics: ['c'], limit: 50 })).tag, before.tag);
      assert.equal(await store.reclassify(() => true, (a) => a.topics), 0, 'nothing to change, nothing written');
    }));

    test('an article moved out of a topic moves that topic\'s Last-Modified, not only its tag', () => withStore(open, async (store) => {
      const clock = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await store.upsertArticles([makeArticle(1, { topics: ['a'] }), makeArticle(2, { topics: ['a', 'b'] })]);
      const before = await store.queryVersion({ topics: ['a'], limit: 1 });
      await clock(5);
      await store.upsertArticles([makeArticle(2, { topics: ['b'] })]);
      const after = await store.queryVersion({ topics: ['a'], limit: 1 });
      assert.notEqual(after.tag, before.tag);
      assert.ok(after.lastModified > before.lastModified, 'If-Modified-Since alone must not get a stale 304');
      const other = await store.queryVersion({ topics: ['b'], limit: 5 });
      await clock(5);
      await store.upsertArticles([makeArticle(2, { topics: ['b'], title: 'Edited' })]);
      assert.ok((await store.queryVersion({ topics: ['b'], limit: 5 })).lastModified > other.lastModified);
    }));

    test('source poll state round-trips and updates', () => withStore(open, async (store) => {
      assert.equal(await store.getSourceState('s1'), undefined);
      const state = {
        sourceId: 's1', url: 'https://x/feed', etag: '"abc"', lastModified: 'Wed, 21 Oct 2026 07:28:00 GMT',
        lastFetchAt: new Date(base), status: 'ok' as const, nextPollAt: new Date(base + day), consecutiveFailures: 0,
        feedTitle: 'Стрічка', configuredUrl: 'https://old/feed',
      };
      await store.saveSourceState(state);
      assert.deepEqual(await store.getSourceState('s1'), state);
      const failed = { sourceId: 's1', url: 'https://y/feed', status: 'error' as const, error: 'fetch: timeout', consecutiveFailures: 2 };
      await store.saveSourceState(failed);
      assert.deepEqual(await store.getSourceState('s1'), failed);
      await store.saveSourceState({ sourceId: 's0', url: 'https://z', status: 'never', consecutiveFailures: 0 });
      assert.deepEqual((await store.listSourceStates()).map((s) => s.sourceId), ['s0', 's1']);
    }));

    test('WebSub subscriptions are renewed in place, listed per topic, removed, and dropped when expired', () => withStore(open, async (store) => {
      const created = new Date(Date.now() - 1000);
      const lease = new Date(Date.now() + day);
      const a = { topicUrl: 'https://t/feeds/a.rss', callback: 'https://sub/1', secret: 'сек', expiresAt: lease, createdAt: created };
      const b = { topicUrl: 'https://t/feeds/b.json', callback: 'https://sub/1', expiresAt: lease, createdAt: created };
      await store.saveSubscription(a);
      await store.saveSubscription(b);
      await store.saveSubscription({ ...a, callback: 'https://sub/old', expiresAt: new Date(Date.now() - 1) });
      assert.deepEqual(await store.listSubscriptions(), [a, b], 'the expired one is not listed');
      const renewed = { ...a, expiresAt: new Date(Date.now() + 2 * day), createdAt: new Date() };
      const { secret: _secret, ...withoutSecret } = renewed;
      await store.saveSubscription(withoutSecret);
      assert.deepEqual(await store.listSubscriptions(a.topicUrl), [{ ...withoutSecret, createdAt: created }]);
      assert.equal(await store.removeSubscription(a.topicUrl, a.callback), true);
      assert.equal(await store.removeSubscription(a.topicUrl, a.callback), false);
      assert.deepEqual(await store.listSubscriptions(), [b]);
    }));
    test('source state keeps ttl, max-age and a malformed note, and saving it never touches a lease', () => withStore(open, async (store) => {
      const state = { sourceId: 's1', url: 'https://x/feed', status: 'not-modified' as const, consecutiveFailures: 0,
        ttlMinutes: 180, maxAgeSeconds: 600, malformed: 'parse: unescaped & at line 3; read leniently' };
      await store.saveSourceState(state);
      assert.deepEqual(await store.getSourceState('s1'), state);
      const now = new Date(base);
      assert.equal(await store.claimSource({ sourceId: 's1', url: 'https://x/feed', owner: 'w1', now, until: new Date(base + 60_000) }), true);
      await store.saveSourceState({ ...state, nextPollAt: new Date(base + 5000) });
      assert.equal(await store.claimSource({ sourceId: 's1', url: 'https://x/feed', owner: 'w2', now, until: new Date(base + 60_000), force: true }), false,
        'the lease held by w1 survives a state save');
    }));

    test('source state keeps the last body hash and its item hashes, an empty list included, and drops them when unset', () => withStore(open, async (store) => {
      const state = { sourceId: 's1', url: 'https://x/feed', status: 'ok' as const, consecutiveFailures: 0,
        bodyHash: 'b-Qx9', itemHashes: ['i-1', 'i-2', 'i-2'] };
      await store.saveSourceState(state);
      assert.deepEqual(await store.getSourceState('s1'), state);
      await store.saveSourceState({ ...state, itemHashes: [] });
      assert.deepEqual((await store.getSourceState('s1'))?.itemHashes, [], 'a feed with no items is not "unknown"');
      const { bodyHash: _b, itemHashes: _i, ...without } = state;
      await store.saveSourceState(without);
      assert.deepEqual(await store.getSourceState('s1'), without);
    }));

    test('claimSource: one owner at a time, only when due unless forced, free again after release or expiry', () => withStore(open, async (store) => {
      const t = (s: number) => new Date(base + s * 1000);
      const claim = (owner: string, now: number, over: { force?: boolean; until?: number } = {}) => store.claimSource({
        sourceId: 'feed', url: 'https://f/rss', owner, now: t(now), until: t(over.until ?? now + 60), ...(over.force ? { force: true } : {}),
      });
      assert.equal(await claim('w1', 0), true, 'no state yet: due, and the row is created');
      assert.deepEqual(await store.getSourceState('feed'), { sourceId: 'feed', url: 'https://f/rss', status: 'never', consecutiveFailures: 0 });
      assert.equal(await claim('w2', 1), false, 'w1 holds it');
      assert.equal(await claim('w2', 1, { force: true }), false, 'force does not break a live lease');
      assert.equal(await claim('w1', 2), true, 'the owner renews');
      await store.releaseSource('feed', 'w2');
      assert.equal(await claim('w2', 3), false, 'a release by another owner is a no-op');
      await store.releaseSource('feed', 'w1');
      await store.saveSourceState({ sourceId: 'feed', url: 'https://f/rss', status: 'ok', consecutiveFailures: 0, nextPollAt: t(100) });
      assert.equal(await claim('w2', 10), false, 'not due yet');
      assert.equal(await claim('w2', 10, { force: true }), true, 'forced');
      assert.equal(await claim('w1', 69), false);
      assert.equal(await claim('w1', 101), true, 'w2\'s lease expired at 70 and the source is due at 100');
      const racers = await Promise.all(['a', 'b', 'c', 'd'].map((o) => store.claimSource({
        sourceId: 'race', url: 'https://r', owner: o, now: t(0), until: t(60) })));
      assert.equal(racers.filter(Boolean).length, 1, 'exactly one of concurrent claimers wins');
    }));

    test('tryLock: free, renewed by its owner, refused to others until unlocked or expired', () => withStore(open, async (store) => {
      const t = (s: number) => new Date(base + s * 1000);
      assert.equal(await store.tryLock('content-sync', 'p1', t(0), t(30)), true);
      assert.equal(await store.tryLock('content-sync', 'p2', t(1), t(31)), false);
      assert.equal(await store.tryLock('other', 'p2', t(1), t(31)), true, 'locks are independent by name');
      assert.equal(await store.tryLock('content-sync', 'p1', t(10), t(40)), true, 'renewed');
      assert.equal(await store.tryLock('content-sync', 'p2', t(35), t(60)), false, 'renewal moved the expiry to 40');
      assert.equal(await store.tryLock('content-sync', 'p2', t(41), t(60)), true, 'expired: a killed owner frees it');
      await store.unlock('content-sync', 'p1');
      assert.equal(await store.tryLock('content-sync', 'p1', t(42), t(60)), false, 'unlock by a non-owner is a no-op');
      await store.unlock('content-sync', 'p2');
      assert.equal(await store.tryLock('content-sync', 'p1', t(42), t(60)), true);
    }));

    test('subscriptions are counted in all and per callback host, expired ones not', () => withStore(open, async (store) => {
      const lease = new Date(Date.now() + day);
      const sub = (topic: string, callback: string, expiresAt = lease) => ({ topicUrl: topic, callback, expiresAt, createdAt: new Date() });
      await store.saveSubscription(sub('https://t/a.rss', 'https://one.example/cb'));
      await store.saveSubscription(sub('https://t/b.rss', 'https://one.example:8443/other'));
      await store.saveSubscription(sub('https://t/a.rss', 'https://two.example/cb'));
      await store.saveSubscription(sub('https://t/c.rss', 'https://two.example/old', new Date(Date.now() - 1)));
      assert.equal(await store.countSubscriptions(), 3);
      assert.equal(await store.countSubscriptions({ callbackHost: 'one.example' }), 2);
      assert.equal(await store.countSubscriptions({ callbackHost: 'two.example' }), 1);
      assert.equal(await store.countSubscriptions({ callbackHost: 'three.example' }), 0);
    }));

    test('delivered versions: compare-and-set, one winner per change', () => withStore(open, async (store) => {
      const topic = 'https://t/feeds/a.rss';
      assert.equal(await store.getDeliveredVersion(topic), undefined);
      const first = await Promise.all([store.swapDeliveredVersion(topic, undefined, 'v1'), store.swapDeliveredVersion(topic, undefined, 'v1')]);
      assert.deepEqual(first.filter(Boolean).length, 1, 'two processes recording the first delivery: one wins');
      assert.equal(await store.getDeliveredVersion(topic), 'v1');
      assert.equal(await store.swapDeliveredVersion(topic, 'v0', 'v2'), false, 'stale expectation');
      assert.equal(await store.getDeliveredVersion(topic), 'v1');
      assert.equal(await store.swapDeliveredVersion(topic, 'v1', 'v2'), true);
      assert.equal(await store.getDeliveredVersion(topic), 'v2');
      assert.equal(await store.getDeliveredVersion('https://t/feeds/b.rss'), undefined, 'per topic');
    }));

    test('probe passes on a healthy store', () => withStore(open, async (store) => {
      await store.probe();
    }));
  });
}
