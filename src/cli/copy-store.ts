// `npm run copy-store -- <from-url> <to-url>`: copies a whole store (articles with their topics,
// sources and search text, source state, WebSub subscriptions and delivered versions) between any
// two backends, e.g. a SQLite archive into PostgreSQL. In batches, resumable (what the target already
// has, by id, is skipped), with a count check at the end: exit 1 when the two stores disagree.

import type { Cursor, IndexedArticle, StoredArticle } from '../model.ts';
import { describeError } from '../errors.ts';
import { sanitizedHtmlToText } from '../normalize/html.ts';
import { openStore, type ArticleStore } from '../store/store.ts';
import { createProgress } from './progress.ts';

const BATCH = 500;

async function main(argv: string[]): Promise<number> {
  const [fromUrl, toUrl] = argv;
  if (!fromUrl || !toUrl || argv.length !== 2) {
    process.stderr.write('usage: npm run copy-store -- <from-url> <to-url>   (sqlite:path, postgres://…)\n');
    return 2;
  }
  const from = await openStore(fromUrl);
  try {
    const to = await openStore(toUrl);
    try {
      const copied = await copyArticles(from, to);
      const states = await copySourceStates(from, to);
      const subscriptions = await copySubscriptions(from, to);
      process.stdout.write(`articles: ${copied.copied} copied, ${copied.skipped} already there; `
        + `source states: ${states}; subscriptions: ${subscriptions}\n`);
      const mismatches = await compareCounts(from, to);
      for (const line of mismatches) process.stderr.write(`copy-store: count mismatch: ${line}\n`);
      if (mismatches.length === 0) process.stdout.write('counts match\n');
      return mismatches.length === 0 ? 0 : 1;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

/** Walks the source newest first, a page at a time, and writes what the target lacks. */
async function copyArticles(from: ArticleStore, to: ArticleStore): Promise<{ copied: number; skipped: number }> {
  const total = await from.countArticles();
  const progress = createProgress(Math.ceil(total / BATCH), process.stdout);
  let copied = 0;
  let skipped = 0;
  let before: Cursor | undefined;
  for (;;) {
    // Every article, a story's copies included (the target's own ingest cannot regroup them: no signatures).
    const page = await from.queryArticles({ limit: BATCH, stories: 'separate', ...(before ? { before } : {}) });
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    before = { published: last.published, id: last.id };
    const present = await Promise.all(page.map((a) => to.getArticle(a.id)));
    const missing = page.filter((_, i) => present[i] === undefined);
    await writeArticles(to, missing);
    copied += missing.length;
    skipped += page.length - missing.length;
    progress.done(`articles: ${copied + skipped}/${total}`);
  }
  progress.finish();
  return { copied, skipped };
}

/**
 * Each article once under its first source, then once more per further source (which only records
 * that source: the content is the same). The search text is what normalize extracted from the same
 * sanitized HTML.
 */
async function writeArticles(to: ArticleStore, articles: StoredArticle[]): Promise<void> {
  if (articles.length === 0) return;
  const indexed = (a: StoredArticle, sourceId: string): IndexedArticle => {
    const { sources: _sources, ...article } = a;
    return { ...article, sourceId, text: sanitizedHtmlToText(a.contentHtml) };
  };
  await to.upsertArticles(articles.map((a) => indexed(a, a.sourceId)));
  const further = articles.flatMap((a) => a.sources.filter((s) => s !== a.sourceId).map((s) => indexed(a, s)));
  if (further.length) await to.upsertArticles(further);
}

async function copySourceStates(from: ArticleStore, to: ArticleStore): Promise<string> {
  const states = await from.listSourceStates();
  let copied = 0;
  for (const state of states) {
    if (await to.getSourceState(state.sourceId)) continue;
    await to.saveSourceState(state);
    copied++;
  }
  return `${copied} copied, ${states.length - copied} already there`;
}

/** Subscriptions are upserts (a renewal replaces one in place); delivered versions go with their topic. */
async function copySubscriptions(from: ArticleStore, to: ArticleStore): Promise<number> {
  const subscriptions = await from.listSubscriptions();
  for (const s of subscriptions) await to.saveSubscription(s);
  for (const topicUrl of new Set(subscriptions.map((s) => s.topicUrl))) {
    const version = await from.getDeliveredVersion(topicUrl);
    if (version === undefined) continue;
    const current = await to.getDeliveredVersion(topicUrl);
    if (current !== version) await to.swapDeliveredVersion(topicUrl, current, version);
  }
  return subscriptions.length;
}

async function compareCounts(from: ArticleStore, to: ArticleStore): Promise<string[]> {
  const mismatches: string[] = [];
  const check = (what: string, a: unknown, b: unknown) => {
    const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
    if (x !== y) mismatches.push(`${what}: ${x} in the source, ${y} in the target`);
  };
  const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  check('articles', await from.countArticles(), await to.countArticles());
  check('articles per source', sorted(await from.countBySource()), sorted(await to.countBySource()));
  // Story membership is not copied: compare articles, not stories.
  check('articles per topic', sorted(await from.countByTopic({ separate: 'all' })), sorted(await to.countByTopic({ separate: 'all' })));
  check('source states', (await from.listSourceStates()).length, (await to.listSourceStates()).length);
  check('subscriptions', await from.countSubscriptions(), await to.countSubscriptions());
  return mismatches;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`copy-store: ${describeError(err)}\n`);
  process.exit(1);
});
