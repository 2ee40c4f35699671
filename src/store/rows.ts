// Rows as every backend stores them (times as epoch milliseconds, lists as JSON) and the model objects
// they stand for: one mapping, so SQLite and PostgreSQL cannot drift apart.

import { createHash } from 'node:crypto';
import type { Article, IndexedArticle, StoredArticle } from '../model.ts';
import type { FulltextState, SourceState, Subscription } from './store.ts';
import { signatureColumn } from './stories.ts';

/** The state's own columns (not the lease's). */
export const STATE_COLUMNS = `source_id, url, etag, last_modified, last_fetch_at, status, error, next_poll_at,
  consecutive_failures, feed_title, configured_url, ttl_minutes, max_age_seconds, malformed, fulltext, body_hash, item_hashes`;

const STATE_COLUMN_NAMES = STATE_COLUMNS.split(',').map((c) => c.trim()) as (keyof SourceStateRow)[];
/** `column = excluded.column` for every state column but the key: both backends' upserts use it. */
export const STATE_UPDATES = STATE_COLUMN_NAMES.filter((c) => c !== 'source_id').map((c) => `${c} = excluded.${c}`).join(', ');
/** The state columns as named parameters (`@url`), in STATE_COLUMNS order (SQLite). */
export const STATE_NAMED_PARAMS = STATE_COLUMN_NAMES.map((c) => `@${c}`).join(', ');
/** A row's values in STATE_COLUMNS order, for positional parameters (PostgreSQL). */
export function stateValues(row: SourceStateRow): unknown[] {
  return STATE_COLUMN_NAMES.map((c) => row[c]);
}

export interface SourceStateRow {
  source_id: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_fetch_at: number | null;
  status: SourceState['status'];
  error: string | null;
  next_poll_at: number | null;
  consecutive_failures: number;
  feed_title: string | null;
  configured_url: string | null;
  ttl_minutes: number | null;
  max_age_seconds: number | null;
  malformed: string | null;
  /** FulltextState as JSON. */
  fulltext: string | null;
  body_hash: string | null;
  /** Space-separated (a hash has no spaces). */
  item_hashes: string | null;
}

export function toSourceStateRow(state: SourceState): SourceStateRow {
  return {
    source_id: state.sourceId,
    url: state.url,
    etag: state.etag ?? null,
    last_modified: state.lastModified ?? null,
    last_fetch_at: state.lastFetchAt?.getTime() ?? null,
    status: state.status,
    error: state.error ?? null,
    next_poll_at: state.nextPollAt?.getTime() ?? null,
    consecutive_failures: state.consecutiveFailures,
    feed_title: state.feedTitle ?? null,
    configured_url: state.configuredUrl ?? null,
    ttl_minutes: state.ttlMinutes ?? null,
    max_age_seconds: state.maxAgeSeconds ?? null,
    malformed: state.malformed ?? null,
    fulltext: state.fulltext === undefined ? null : JSON.stringify(state.fulltext),
    body_hash: state.bodyHash ?? null,
    item_hashes: state.itemHashes ? state.itemHashes.join(' ') : null,
  };
}

export function toSourceState(row: SourceStateRow): SourceState {
  const state: SourceState = {
    sourceId: row.source_id,
    url: row.url,
    status: row.status,
    consecutiveFailures: row.consecutive_failures,
  };
  if (row.etag !== null) state.etag = row.etag;
  if (row.last_modified !== null) state.lastModified = row.last_modified;
  if (row.last_fetch_at !== null) state.lastFetchAt = new Date(row.last_fetch_at);
  if (row.error !== null) state.error = row.error;
  if (row.next_poll_at !== null) state.nextPollAt = new Date(row.next_poll_at);
  if (row.feed_title !== null) state.feedTitle = row.feed_title;
  if (row.configured_url !== null) state.configuredUrl = row.configured_url;
  if (row.ttl_minutes !== null) state.ttlMinutes = row.ttl_minutes;
  if (row.max_age_seconds !== null) state.maxAgeSeconds = row.max_age_seconds;
  if (row.malformed !== null) state.malformed = row.malformed;
  if (row.fulltext !== null) state.fulltext = JSON.parse(row.fulltext) as FulltextState;
  if (row.body_hash !== null) state.bodyHash = row.body_hash;
  if (row.item_hashes !== null) state.itemHashes = row.item_hashes === '' ? [] : row.item_hashes.split(' ');
  return state;
}

export interface SubscriptionRow {
  topic_url: string;
  callback: string;
  secret: string | null;
  expires_at: number;
  created_at: number;
}

export function toSubscription(row: SubscriptionRow): Subscription {
  const subscription: Subscription = {
    topicUrl: row.topic_url,
    callback: row.callback,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
  if (row.secret !== null) subscription.secret = row.secret;
  return subscription;
}

/** The host a callback URL names, lowercased as URL parsing gives it. */
export function callbackHost(callback: string): string | undefined {
  try {
    return new URL(callback).hostname;
  } catch {
    // Callbacks are verified http(s) URLs before they are saved; one that is not counts for no host.
    return undefined;
  }
}

export function toSubscriptionRow(subscription: Subscription): SubscriptionRow {
  return {
    topic_url: subscription.topicUrl,
    callback: subscription.callback,
    secret: subscription.secret ?? null,
    expires_at: subscription.expiresAt.getTime(),
    created_at: subscription.createdAt.getTime(),
  };
}

/** What an article page needs of a row: not the bookkeeping (content hash, revision, change time). */
export const PUBLISHED_COLUMNS = 'id, slug, title, url, summary, content_html, published, updated, authors, language, source_id, categories, topics, image, enclosures, story_id';

export interface PublishedRow {
  id: string;
  slug: string | null;
  title: string;
  url: string;
  summary: string;
  content_html: string;
  published: number;
  updated: number;
  authors: string;
  language: string | null;
  source_id: string;
  categories: string;
  topics: string;
  image: string | null;
  enclosures: string;
  story_id: string | null;
}

export interface ArticleRow extends PublishedRow {
  story_signature: string | null;
  content_hash: string;
  revision: number;
  changed_at: number;
}

/** A page's article with what its version is made of, read by the query that finds the page. */
export interface PageRow {
  id: string;
  revision: number;
  changed_at: number;
}

export function toArticleRow(a: IndexedArticle, hash: string, updated: number, revision: number, now: number, storyId?: string): ArticleRow {
  return {
    id: a.id,
    slug: a.slug ?? null,
    title: a.title,
    url: a.url,
    summary: a.summary,
    content_html: a.contentHtml,
    published: a.published.getTime(),
    updated: Math.max(updated, a.published.getTime()),
    authors: JSON.stringify(a.authors),
    language: a.language ?? null,
    source_id: a.sourceId,
    categories: JSON.stringify(a.categories),
    topics: JSON.stringify(a.topics),
    image: a.image ?? null,
    enclosures: JSON.stringify(a.enclosures),
    story_id: storyId ?? null,
    story_signature: signatureColumn(a),
    content_hash: hash,
    revision,
    changed_at: now,
  };
}

export function toArticle(row: PublishedRow, sources: string[]): StoredArticle {
  const article: StoredArticle = {
    id: row.id,
    title: row.title,
    url: row.url,
    summary: row.summary,
    contentHtml: row.content_html,
    published: new Date(row.published),
    updated: new Date(row.updated),
    authors: JSON.parse(row.authors) as StoredArticle['authors'],
    sourceId: row.source_id,
    categories: JSON.parse(row.categories) as string[],
    topics: JSON.parse(row.topics) as string[],
    enclosures: JSON.parse(row.enclosures) as StoredArticle['enclosures'],
    sources,
  };
  if (row.language !== null) article.language = row.language;
  if (row.image !== null) article.image = row.image;
  if (row.slug !== null) article.slug = row.slug;
  if (row.story_id !== null) article.storyId = row.story_id;
  return article;
}

/** Hash of what a reader sees of an article; `updated` moves only when this changes. */
export function contentHash(a: Article): string {
  const seen = [a.title, a.url, a.summary, a.contentHtml, a.published.getTime(), a.authors, a.language ?? '',
    a.categories, a.image ?? '', a.enclosures];
  return createHash('sha256').update(JSON.stringify(seen)).digest('base64url');
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Newest first by (published, id), the order of every feed. */
export function newestFirst(a: { id: string; published: number }, b: { id: string; published: number }): number {
  return b.published - a.published || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
}

/** The version tag and Last-Modified of a page of rows (see ArticleRepository.queryVersion). */
export function pageVersion(rows: readonly PageRow[], deletedRevision: number, deletedAt: number): { tag: string; lastModified: Date } {
  let revision = 0;
  let changedAt = 0;
  const hash = createHash('sha1');
  for (const row of rows) {
    revision = Math.max(revision, row.revision);
    changedAt = Math.max(changedAt, row.changed_at);
    hash.update(row.id).update('\n');
  }
  // A deletion leaves no row behind to testify, so the last one counts for every query.
  return {
    tag: `${revision}.${deletedRevision}.${hash.digest('base64url').slice(0, 16)}`,
    lastModified: new Date(Math.max(changedAt, deletedAt)),
  };
}

/**
 * Whether an article is looked up by its URL too (the same story reached under another guid): not a
 * local article (its slug names it) and not one without a link of its own (all of those share '').
 */
export function matchedByUrl(article: { slug?: string; url: string }): boolean {
  return article.slug === undefined && article.url !== '';
}

/**
 * An article whose source gave no readable date keeps the dates first stored for it: its incoming
 * dates are the time of this poll, and taking them would make every poll look like news.
 */
export function withFirstSeenDates<T extends IndexedArticle>(incoming: T, existing: { published: number; updated: number }): T {
  if (!incoming.datesUnknown) return incoming;
  return { ...incoming, published: new Date(existing.published), updated: new Date(existing.updated) };
}
