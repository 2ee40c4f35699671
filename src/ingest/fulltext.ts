// Full text for `fulltext: true` sources: a new item that arrives as a teaser gets its page fetched
// (fetch/article-page.ts: robots.txt, limits, SSRF guard) and its article extracted in the worker pool
// (normalize/extract.ts); the extract replaces the teaser as content, the summary stays. A failure
// keeps the teaser, counts on the source (SourceState.fulltext, shown in /sources) and is retried on
// later polls, at most MAX_ATTEMPTS times per article with growing pauses. Teasers stored before the
// source had full text are completed too, a few per poll (the backfill, newest first).

import { createLimiter } from '../concurrency.ts';
import { createCrawlPacer, fetchArticlePage, MAX_CRAWL_WAIT_MS } from '../fetch/article-page.ts';
import { resolvesPrivately } from '../fetch/guarded-agent.ts';
import type { FetchOptions } from '../fetch/remote.ts';
import { createRobotsCache } from '../fetch/robots.ts';
import type { Logger } from '../log.ts';
import type { IndexedArticle, Source, StoredArticle } from '../model.ts';
import type { ExtractJob, ExtractOutcome } from '../normalize/extract.ts';
import { sanitizedHtmlToText } from '../normalize/html.ts';
import type { ArticleStore, FulltextBackfill, FulltextState, SourceState } from '../store/store.ts';
import { withIndexAndSignature } from '../stories/signature.ts';

/** Content whose plain text is shorter than this is a teaser. */
export const TEASER_MAX_CHARS = 500;
/** Tries per article, the first included. */
export const MAX_ATTEMPTS = 3;
/** Pause before the second try; each later one waits four times longer (10 min, 40 min). */
export const RETRY_BASE_MS = 10 * 60_000;
/** Pages fetched per poll at most; the rest wait for the next polls (a new source has many items). */
export const MAX_PAGES_PER_POLL = 30;
/** Of those, pages a poll fetches for stored teasers (the backfill and due retries of items gone from the feed). */
export const BACKFILL_PAGES_PER_POLL = 10;
/** Stored articles the backfill looks at per poll at most (pages of BACKFILL_PAGE): a pass stays short. */
const BACKFILL_EXAMINED_PER_POLL = 250;
const BACKFILL_PAGE = 50;
/** Page fetches at once overall, and per host (as polite as the feeds themselves). */
const PAGES_AT_ONCE = 4;
const PAGES_PER_HOST = 1;

/** Links that end a teaser: "Read more", "Continue reading", "Читати далі", "Читать далее", "[…]". */
const READ_MORE = /^(?:read\s+more|continue\s+reading|more|full\s+(?:story|article)|читати\s+(?:далі|більше)|детальніше|далі|читать\s+(?:далее|полностью)|подробнее|далее|\[?(?:…|\.\.\.)\]?)\W*$/iu;

/**
 * A teaser: no content at all; plain text shorter than TEASER_MAX_CHARS (this also covers content that
 * is only the summary again); or content that ends in a "read more" link or `[…]`, however long.
 */
export function isTeaser(article: Pick<IndexedArticle, 'contentHtml' | 'text'>): boolean {
  const text = article.text.trim();
  if (text.length < TEASER_MAX_CHARS) return true;
  if (/\[(?:…|\.\.\.)\]$/.test(text)) return true;
  const lastLink = /<a\b[^>]*>((?:(?!<\/a>)[\s\S])*)<\/a>(?:\s|<\/?(?:p|div|span|strong|em|br)\b[^>]*>)*$/i.exec(article.contentHtml.trim());
  return lastLink !== null && READ_MORE.test(lastLink[1]!.replace(/<[^>]*>/g, '').trim());
}

export interface FulltextDeps {
  store: ArticleStore;
  /** Limits, User-Agent and network options: the feed's own. */
  fetchOptions: FetchOptions;
  /** The worker pool's extractor; without one (CLI, tests) extraction runs in this thread. */
  extract?: (job: ExtractJob) => Promise<ExtractOutcome>;
  now: () => Date;
}

export interface Fulltext {
  /** The articles of one poll with teasers replaced by full text where it could be had; never throws. */
  complete(source: Source, articles: IndexedArticle[], state: SourceState, log: Logger): Promise<IndexedArticle[]>;
}

type Plan = { kind: 'keep' } | { kind: 'stored'; contentHtml: string } | { kind: 'fetch'; attempts: number } | { kind: 'defer' };

export function createFulltext(deps: FulltextDeps): Fulltext {
  const robots = createRobotsCache({ now: () => deps.now().getTime() });
  const pacer = createCrawlPacer();
  const limiter = createLimiter(PAGES_AT_ONCE, { perKey: PAGES_PER_HOST });
  // Readability and linkedom load only when a page is extracted in this thread (CLI, tests).
  const extract = deps.extract ?? (async (job: ExtractJob) => (await import('../normalize/extract.ts')).extractArticle(job));

  return {
    async complete(source, articles, state, log) {
      const ft: FulltextState = state.fulltext ?? { failures: 0, retries: {} };
      state.fulltext = ft;
      // Publicly hosted feeds may not send us to private addresses through their items' links.
      const fetchOptions: FetchOptions = { ...deps.fetchOptions, publicOnly: !(await sourceIsPrivate(source.url, deps.fetchOptions)) };
      // Crawl-delay spaces the starts of two requests to a host: its turns may hold this poll up for
      // MAX_CRAWL_WAIT_MS in all; pages whose turn comes later wait for the next polls.
      const latest = Date.now() + MAX_CRAWL_WAIT_MS;
      let budget = MAX_PAGES_PER_POLL;
      const plans: Plan[] = [];
      for (const article of articles) {
        const plan = await planFor(article, ft, deps, budget);
        if (plan.kind === 'fetch') budget -= 1;
        plans.push(plan);
      }
      const stored = await storedTeasers(source, articles, ft, deps, Math.min(budget, BACKFILL_PAGES_PER_POLL));
      const completeOne = async (article: IndexedArticle, attempts: number): Promise<IndexedArticle> => {
        const got = await limiter.run(() => fullText(article.url, fetchOptions, latest), new URL(article.url).host);
        if (got.kind === 'ok') {
          delete ft.retries[article.id];
          ft.failures = 0;
          delete ft.lastError;
          return { ...article, contentHtml: got.contentHtml, text: got.text };
        }
        if (got.kind === 'later') {
          // The host's Crawl-delay leaves no turn in this poll: not a failure, a later poll fetches it.
          ft.retries[article.id] = { attempts, nextAt: got.at };
          return article;
        }
        recordFailure(ft, article.id, attempts + 1, got, deps.now());
        log.warn({ url: article.url, retry: ft.retries[article.id] !== undefined }, `full text failed; keeping the teaser: ${got.error}`);
        return article;
      };
      const [polled, backfilled] = await Promise.all([
        Promise.all(articles.map(async (article, i) => {
          const plan = plans[i]!;
          if (plan.kind === 'stored') return { ...article, contentHtml: plan.contentHtml, text: sanitizedHtmlToText(plan.contentHtml) };
          if (plan.kind === 'defer') ft.retries[article.id] = { attempts: 0, nextAt: 0 };
          return plan.kind === 'fetch' ? completeOne(article, plan.attempts) : article;
        })),
        Promise.all(stored.map(async ({ article, attempts }) => ({ before: article, after: await completeOne(article, attempts) }))),
      ]);
      // A stored teaser that got its article is stored again (its `updated` moves); one that did not is left as it is.
      const completed = new Map(backfilled.filter(({ before, after }) => after !== before).map(({ after }) => [after.id, after]));
      if (ft.backfill) ft.backfill.completed += completed.size;
      const withCompleted = polled.map((article) => completed.get(article.id) ?? article);
      const inPoll = new Set(articles.map((a) => a.id));
      return [...withCompleted, ...[...completed.values()].filter((a) => !inPoll.has(a.id))];
    },
  };

  async function fullText(url: string, fetchOptions: FetchOptions, latest: number): Promise<
    { kind: 'ok'; contentHtml: string; text: string } | { kind: 'failed'; error: string; retry: boolean } | { kind: 'later'; at: number }
  > {
    const page = await fetchArticlePage(url, robots, fetchOptions, { pacer, latest });
    if (page.kind === 'disallowed') return { kind: 'failed', error: `robots.txt disallows ${url}`, retry: false };
    if (page.kind === 'failed' || page.kind === 'later') return page;
    const extracted = await extract({ html: page.html, url: page.finalUrl });
    return extracted.kind === 'ok' ? extracted : { ...extracted, retry: false };
  }
}

/**
 * What to do with one article: a new teaser is fetched (or deferred past the budget); one stored
 * before keeps the full text it got then (the feed still sends the teaser on every poll); one that
 * failed is fetched again when its retry is due; everything else is left as the feed sent it.
 */
async function planFor(article: IndexedArticle, ft: FulltextState, deps: FulltextDeps, budget: number): Promise<Plan> {
  if (!isTeaser(article) || !/^https?:\/\//i.test(article.url)) return { kind: 'keep' };
  const stored = await deps.store.getArticle(article.id);
  const retry = ft.retries[article.id];
  if (stored && !retry) {
    const storedText = sanitizedHtmlToText(stored.contentHtml);
    return isTeaser({ contentHtml: stored.contentHtml, text: storedText }) ? { kind: 'keep' } : { kind: 'stored', contentHtml: stored.contentHtml };
  }
  if (retry && retry.nextAt > deps.now().getTime()) return { kind: 'keep' };
  if (budget <= 0) return retry ? { kind: 'keep' } : { kind: 'defer' };
  return { kind: 'fetch', attempts: retry?.attempts ?? 0 };
}

/** Whether a full-text source has pages to fetch whatever its feed says: retries due some day, or a backfill under way. */
export function hasStoredWork(ft: FulltextState | undefined): boolean {
  return Object.keys(ft?.retries ?? {}).length > 0 || (ft?.backfill !== undefined && !ft.backfill.done);
}

/**
 * Stored teasers of `source` to fetch in this poll, at most `budget`: first the due retries of articles
 * the poll did not bring (backfilled ones, or ones gone from the feed), then the backfill's next ones.
 * The backfill starts when a source first has full text (`state.fulltext` new) and walks its stored
 * articles newest first, BACKFILL_EXAMINED_PER_POLL at most per poll; its failures follow the same
 * retry rules as new items'.
 */
async function storedTeasers(
  source: Source, polled: readonly IndexedArticle[], ft: FulltextState, deps: FulltextDeps, budget: number,
): Promise<{ article: IndexedArticle; attempts: number }[]> {
  const inPoll = new Map(polled.map((a) => [a.id, a]));
  const picked: { article: IndexedArticle; attempts: number }[] = [];
  const now = deps.now().getTime();
  for (const [id, retry] of Object.entries(ft.retries)) {
    if (picked.length >= budget) return picked;
    if (inPoll.has(id) || retry.nextAt > now) continue;
    const stored = await deps.store.getArticle(id);
    if (stored === undefined) delete ft.retries[id];
    else picked.push({ article: asIndexed(stored), attempts: retry.attempts });
  }
  const backfill: FulltextBackfill = ft.backfill ?? { examined: 0, completed: 0, done: false };
  ft.backfill = backfill;
  for (let examined = 0; !backfill.done && examined < BACKFILL_EXAMINED_PER_POLL;) {
    const before = backfill.before && { published: new Date(backfill.before.published), id: backfill.before.id };
    const page = await deps.store.queryArticles({ sources: [source.id], limit: BACKFILL_PAGE, stories: 'separate', ...(before ? { before } : {}) });
    if (page.length === 0) backfill.done = true;
    for (const article of page) {
      // An item the feed still carries is completed as the poll brought it (with the worker's signature).
      if (ft.retries[article.id] === undefined && fetchable(article)) {
        // The walk stops before a teaser this poll has no page left for: the next poll starts with it.
        if (picked.length >= budget) return picked;
        picked.push({ article: inPoll.get(article.id) ?? asIndexed(article), attempts: 0 });
      }
      backfill.before = { published: article.published.getTime(), id: article.id };
      backfill.examined++;
      examined++;
    }
  }
  return picked;
}

function fetchable(article: StoredArticle): boolean {
  return /^https?:\/\//i.test(article.url) && isTeaser({ contentHtml: article.contentHtml, text: sanitizedHtmlToText(article.contentHtml) });
}

/**
 * A stored article as ingest hands it on, to be stored again with its full text. Its story signature
 * is made again of the same teaser text it was made of when new (the store keeps signatures to
 * itself), so the update leaves its story index as it was.
 */
function asIndexed(stored: StoredArticle): IndexedArticle {
  const { sources: _sources, storyId: _storyId, related: _related, ...article } = stored;
  return withIndexAndSignature({ ...article, text: sanitizedHtmlToText(stored.contentHtml) });
}

function recordFailure(ft: FulltextState, id: string, attempts: number, failure: { error: string; retry: boolean }, now: Date): void {
  ft.failures += 1;
  ft.lastError = failure.error;
  if (failure.retry && attempts < MAX_ATTEMPTS) {
    ft.retries[id] = { attempts, nextAt: now.getTime() + RETRY_BASE_MS * 4 ** (attempts - 1) };
  } else {
    delete ft.retries[id];
  }
}

function sourceIsPrivate(url: string, options: FetchOptions): Promise<boolean> {
  return resolvesPrivately(new URL(url).hostname, options.network);
}
