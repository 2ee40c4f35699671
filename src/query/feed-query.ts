// The query step: a feed request's path and parameters → an ArticleQuery plus its canonical form.
// Pure (no Express): the canonical string is what the ETag, the cache key, the self link and the feed id
// are made of, so two spellings of one query share them and two different queries never do.

import type { ArticleQuery, Cursor, Topic } from '../model.ts';
import { MIN_PREFIX_LETTERS, searchTerms, shortPrefix } from '../text/search.ts';

export type FeedFormat = 'rss' | 'atom' | 'json';
export const FEED_FORMATS: readonly FeedFormat[] = ['rss', 'atom', 'json'];

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const MAX_Q_LENGTH = 200;
/**
 * Ids one request may name, per list (topics in the path, `exclude`, `source`). Each id is a join or
 * an index probe for the store; 2,500 of them took 5–15 s and held every other reader up.
 */
export const MAX_IDS = 50;

export interface FeedRequest {
  /** Topic ids in canonical (sorted) order; empty for `all`. */
  topics: string[];
  format: FeedFormat;
  query: ArticleQuery;
  /** Canonical path segment: `all` or `europe,ukraine`. */
  topicPath: string;
  /** Canonical query string without the cursors (sorted, defaults left out), '' when none. */
  filterString: string;
  /** Canonical query string including the cursor. */
  queryString: string;
  /** The query reads the clock (a `since` duration): its meaning moves with time. */
  dependsOnNow: boolean;
}

export type ParseResult =
  | { kind: 'ok'; request: FeedRequest }
  | { kind: 'not-found'; message: string }
  | { kind: 'bad-request'; parameter: string; message: string };

type Params = Record<string, unknown>;

interface ParseContext {
  knownTopics: ReadonlySet<string>;
  /** Topics whose topics.yaml says `stories: off`: a feed of only such topics lists every copy. */
  separateTopics?: ReadonlySet<string>;
  /** Source ids a `source=` may name (configured sources and `local`); absent accepts any well-formed id. */
  knownSources?: ReadonlySet<string>;
  now: Date;
}

/** What parseFeedRequest needs to know of the configured topics. */
export function topicContext(topics: readonly Topic[]): Pick<ParseContext, 'knownTopics' | 'separateTopics'> {
  return {
    knownTopics: new Set(topics.map((t) => t.id)),
    separateTopics: new Set(topics.filter((t) => t.stories === 'separate').map((t) => t.id)),
  };
}

/** Parses `/feeds/<spec>` where spec is `<topics>.<ext>` and the request's query parameters. */
export function parseFeedRequest(spec: string, params: Params, ctx: ParseContext): ParseResult {
  const dot = spec.lastIndexOf('.');
  const ext = dot < 0 ? '' : spec.slice(dot + 1);
  if (!isFormat(ext)) {
    return { kind: 'not-found', message: `no feed at "${spec}": use /feeds/<topic>.rss, .atom or .json` };
  }
  const path = spec.slice(0, dot);
  if (path.split(',', MAX_IDS + 1).length > MAX_IDS) {
    return { kind: 'bad-request', parameter: 'topics', message: `topics: at most ${MAX_IDS} topics in one feed, comma-separated` };
  }
  const topicsOrError = parseTopics(path, ctx.knownTopics);
  if (typeof topicsOrError === 'string') return { kind: 'not-found', message: topicsOrError };
  const topics = topicsOrError;

  const query: ArticleQuery = { limit: DEFAULT_LIMIT };
  if (topics.length) query.topics = topics;
  // Not part of the canonical string: it follows from the path and the configuration, as the topics do.
  if (topics.length && topics.every((t) => ctx.separateTopics?.has(t))) query.stories = 'separate';
  const canonical: [string, string][] = [];
  for (const step of PARAMETERS) {
    const raw = params[step.name];
    if (raw === undefined || raw === '') continue;
    if (typeof raw !== 'string') {
      return { kind: 'bad-request', parameter: step.name, message: `${step.name}: give it once, as a single value` };
    }
    const outcome = step.apply(raw, query, ctx);
    if (typeof outcome === 'object') return { kind: 'bad-request', parameter: step.name, message: `${step.name}: ${outcome.error}` };
    if (outcome !== undefined) canonical.push([step.name, outcome]);
  }
  if (query.before && query.after) {
    return { kind: 'bad-request', parameter: 'after', message: 'after: give either before or after, not both' };
  }
  const filters = canonical.filter(([name]) => name !== 'before' && name !== 'after');
  return {
    kind: 'ok',
    request: {
      topics,
      format: ext,
      query,
      topicPath: topics.length ? topics.join(',') : 'all',
      filterString: new URLSearchParams(filters).toString(),
      queryString: new URLSearchParams(canonical).toString(),
      dependsOnNow: typeof params.since === 'string' && DURATION.test(params.since),
    },
  };
}

function isFormat(ext: string): ext is FeedFormat {
  return (FEED_FORMATS as readonly string[]).includes(ext);
}

function parseTopics(path: string, known: ReadonlySet<string>): string[] | string {
  const requested = path.split(',').map((t) => t.trim().toLowerCase());
  if (requested.length === 1 && requested[0] === 'all') return [];
  const unknown = requested.filter((t) => !known.has(t));
  if (unknown.length) {
    const list = ['all', ...[...known].sort()].join(', ');
    return `unknown topic${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')}; known topics: ${list}`;
  }
  return [...new Set(requested)].sort();
}

/** Returns the canonical value to keep, undefined for a default, or { error } for a bad value. */
type Apply = (raw: string, query: ArticleQuery, ctx: ParseContext) => string | undefined | { error: string };

// Order here is the canonical order of the query string.
const PARAMETERS: readonly { name: string; apply: Apply }[] = [
  { name: 'after', apply: applyCursor('after') },
  { name: 'before', apply: applyCursor('before') },
  { name: 'exclude', apply: applyExclude },
  { name: 'lang', apply: applyLang },
  { name: 'limit', apply: applyLimit },
  { name: 'q', apply: applyQ },
  { name: 'since', apply: applySince },
  { name: 'source', apply: applySource },
  { name: 'stories', apply: applyStories },
];

function applyLimit(raw: string, query: ArticleQuery): string | undefined | { error: string } {
  if (!/^\d{1,6}$/.test(raw)) return { error: `expected a whole number from 1 to ${MAX_LIMIT}, got "${raw}"` };
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LIMIT) return { error: `expected a whole number from 1 to ${MAX_LIMIT}, got ${limit}` };
  query.limit = limit;
  return limit === DEFAULT_LIMIT ? undefined : String(limit);
}

/** The distinct ids of a comma-separated list, sorted; an error beyond MAX_IDS, before any is looked at. */
function idList(raw: string): string[] | { error: string } {
  const parts = raw.split(',', MAX_IDS + 1);
  if (parts.length > MAX_IDS) return { error: `at most ${MAX_IDS} ids, comma-separated` };
  return [...new Set(parts.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
}

function applyExclude(raw: string, query: ArticleQuery, ctx: ParseContext): string | { error: string } {
  const topics = idList(raw);
  if (!Array.isArray(topics)) return topics;
  const unknown = topics.filter((t) => !ctx.knownTopics.has(t));
  if (unknown.length) return { error: `unknown topic ${unknown.map((t) => `"${t}"`).join(', ')}` };
  query.excludeTopics = topics;
  return topics.join(',');
}

const SOURCE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function applySource(raw: string, query: ArticleQuery, ctx: ParseContext): string | { error: string } {
  const sources = idList(raw);
  if (!Array.isArray(sources)) return sources;
  const bad = sources.find((s) => !SOURCE_ID.test(s));
  if (bad !== undefined || sources.length === 0) return { error: `"${bad ?? raw}" is not a source id (letters, digits, - and _)` };
  const known = ctx.knownSources;
  const unknown = known ? sources.filter((s) => !known.has(s)) : [];
  if (known && unknown.length) {
    return { error: `unknown source ${unknown.map((s) => `"${s}"`).join(', ')}; known sources: ${[...known].sort().join(', ')}` };
  }
  query.sources = sources;
  return sources.join(',');
}

/** `stories=off` lists every source's copy of a story on its own; `on` (the default) shows a story once. */
function applyStories(raw: string, query: ArticleQuery): string | undefined | { error: string } {
  if (raw === 'on') return undefined;
  if (raw !== 'off') return { error: `expected "on" or "off", got "${raw}"` };
  query.stories = 'separate';
  return 'off';
}

function applyLang(raw: string, query: ArticleQuery): string | { error: string } {
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(raw)) return { error: `expected a language tag such as "uk" or "en-GB", got "${raw}"` };
  query.lang = raw.toLowerCase();
  return query.lang;
}

function applyQ(raw: string, query: ArticleQuery): string | { error: string } {
  const q = raw.trim().replace(/\s+/g, ' ');
  if (q.length > MAX_Q_LENGTH) return { error: `at most ${MAX_Q_LENGTH} characters` };
  if (!/[\p{L}\p{N}]/u.test(q)) return { error: 'needs at least one letter or digit' };
  const short = shortPrefix(q);
  if (short !== undefined) return { error: `a prefix needs at least ${MIN_PREFIX_LETTERS} letters before its *: "${short}"` };
  const terms = searchTerms(q);
  if (terms.length === 0) return { error: 'needs at least one letter or digit' };
  query.terms = terms;
  return q;
}

const DURATION = /^(\d{1,6})(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/**
 * `since` is an RFC 3339 date or a duration back from now (`24h`, `7d`). A duration is resolved to
 * an instant rounded down to the minute, so a poller asking every few seconds shares one cache entry.
 */
function applySince(raw: string, query: ArticleQuery, ctx: ParseContext): string | { error: string } {
  const duration = DURATION.exec(raw);
  let since: Date;
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    since = new Date(Math.floor((ctx.now.getTime() - ms) / 60_000) * 60_000);
  } else if (RFC3339.test(raw) && !Number.isNaN(Date.parse(raw))) {
    since = new Date(raw);
  } else {
    return { error: `expected an RFC 3339 date (2026-01-06 or 2026-01-06T10:00:00Z) or a duration like 24h, 7d, got "${raw}"` };
  }
  query.since = since;
  return since.toISOString();
}

function applyCursor(name: 'before' | 'after'): Apply {
  return (raw, query) => {
    const cursor = decodeCursor(raw);
    if (!cursor) return { error: 'not a cursor this server made (follow the feed\'s "next" or "previous" link)' };
    query[name] = cursor;
    return raw;
  };
}

/** A query readers rarely repeat word for word (a search, a date, a paging cursor): see src/cache/admission.ts. */
export function isOneOff(query: ArticleQuery): boolean {
  return query.terms !== undefined || query.since !== undefined || query.before !== undefined || query.after !== undefined;
}

/**
 * The articles a page's neighbours start from, for feeds (RFC 5005 next/previous) and topic pages
 * alike: older pages exist after an `after` page or a full one; newer ones after a `before` page, or
 * an `after` page that was full. A page cut short by its byte budget counts as full: it continues on
 * the side that was cut.
 */
export function pageNeighbours<A>(query: ArticleQuery, articles: readonly A[], truncated = false): { older?: A; newer?: A } {
  const full = articles.length === query.limit || truncated;
  const first = articles[0];
  const last = articles[articles.length - 1];
  const out: { older?: A; newer?: A } = {};
  if (last !== undefined && (query.after !== undefined || full)) out.older = last;
  if (first !== undefined && (query.before !== undefined || (query.after !== undefined && full))) out.newer = first;
  return out;
}

/** Opaque, URL-safe paging cursor: the last item's publish instant and id. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.published.getTime()}~${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{4,2048}$/.test(raw)) return undefined;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^(-?\d{1,16})~(.+)$/s.exec(text);
  if (!match) return undefined;
  return { published: new Date(Number(match[1])), id: match[2] as string };
}
