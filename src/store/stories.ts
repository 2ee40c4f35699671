// Story membership as both backends decide it: which stored story a new article joins, from the
// candidates its LSH band keys found in the band table (story_bands) within the time window. No
// all-pairs comparison: only articles sharing a band with the newcomer are ever compared.

import type { IndexedArticle, RelatedArticle, StoredArticle } from '../model.ts';
import { sameStory, similarity } from '../stories/match.ts';
import { bandNumber, md5Hex, type StorySignature } from '../stories/signature.ts';

/** Default STORY_WINDOW_HOURS: how far apart in publication time two copies of a story may be. */
export const DEFAULT_STORY_WINDOW_HOURS = 72;
export const HOUR_MS = 3_600_000;
/** The meta row holding the STORY_WINDOW_HOURS the stored stories were grouped with (absent: never recorded). */
export const STORY_WINDOW_KEY = 'story_window_hours';

/**
 * Candidates a band key yields at most (the newest in the window): a story told by many sources, or a
 * text many articles share, must not make one newcomer compare with all of them.
 */
export const MAX_CANDIDATES_PER_BAND = 8;
/**
 * Band rows a lookup reads per key (the newest in the window) to find those MAX_CANDIDATES_PER_BAND
 * from other sources: a source that repeats a text (a daily template) must neither hide other
 * sources' copies behind its own nor make a lookup scan all its repeats.
 */
export const BAND_SCAN_ROWS = 32;

/**
 * The source of a band row as the index keeps it: 28 bits of the MD5 of the source id (both databases
 * compute it in the migration that added it). Two sources with one number only lose each other's
 * merges, never merge wrongly: the candidates' own source ids are compared again.
 */
export function sourceNumber(sourceId: string): number {
  return Number.parseInt(md5Hex(sourceId).slice(0, 7), 16);
}

/** A stored article a band lookup found, with the band keys it matched on. */
export interface CandidateRow {
  id: string;
  story_id: string | null;
  source_id: string;
  published: number;
  story_signature: string;
  bands: number[];
}

/** A candidate as compared. `story_id` is null for an article that leads its story. */
export interface StoryCandidate {
  id: string;
  story_id: string | null;
  source_id: string;
  published: number;
  signature: StorySignature;
}

/** The band rows of an article: one per band key, dated for the window's range scan. */
export function bandRows(article: IndexedArticle): { band: number; published: number; source: number; id: string }[] {
  const published = article.published.getTime();
  const source = sourceNumber(article.sourceId);
  return (article.story?.bands ?? []).map((band) => ({ band, published, source, id: article.id }));
}

export function signatureColumn(article: IndexedArticle): string | null {
  return article.story ? JSON.stringify(article.story) : null;
}

/** A stored signature, its band keys numbers whatever form it was stored in. */
export function parseSignature(json: string): StorySignature {
  const signature = JSON.parse(json) as StorySignature;
  return { ...signature, bands: signature.bands.map(bandNumber) };
}

/** The band keys and the publication range whose candidates may join any of `articles`. */
export function lookupRange(
  articles: readonly IndexedArticle[], windowMs: number,
): { bands: number[]; from: number; to: number; sources: string[]; sourceNumbers: number[] } | undefined {
  const signed = articles.filter((a) => a.story);
  if (signed.length === 0) return undefined;
  const times = signed.map((a) => a.published.getTime());
  // A source repeating itself is an edit, not a second report: its own articles are no candidates.
  const sources = [...new Set(signed.map((a) => a.sourceId))];
  return {
    bands: [...new Set(signed.flatMap((a) => a.story!.bands))],
    from: Math.min(...times) - windowMs,
    to: Math.max(...times) + windowMs,
    sources,
    sourceNumbers: sources.map(sourceNumber),
  };
}

/**
 * The leader id of the story `article` belongs to, or undefined when it starts its own. Candidates
 * from the article's own source never count: a source repeating itself is an edit, not a second
 * report. The most similar candidate wins; its story's leader keeps leading.
 */
export function chooseStory(article: IndexedArticle, candidates: readonly StoryCandidate[], windowMs: number): string | undefined {
  const signature = article.story;
  if (!signature) return undefined;
  const best = bestMatch({ id: article.id, source_id: article.sourceId, published: article.published.getTime(), signature }, candidates, windowMs);
  return best && (best.story_id ?? best.id);
}

/** The candidate most similar to `article` among those that tell its story (chooseStory's rules). */
function bestMatch<C extends StoryCandidate>(
  article: Pick<StoryCandidate, 'id' | 'source_id' | 'published' | 'signature'>, candidates: readonly C[], windowMs: number,
): C | undefined {
  let best: { candidate: C; score: number } | undefined;
  for (const candidate of candidates) {
    if (candidate.id === article.id || candidate.source_id === article.source_id) continue;
    if (Math.abs(candidate.published - article.published) > windowMs) continue;
    if (!sameStory(article.signature, candidate.signature)) continue;
    const score = similarity(article.signature, candidate.signature);
    if (!best || score > best.score) best = { candidate, score };
  }
  return best?.candidate;
}

/** Candidates by band key, kept current while a batch decides (a batch may hold two copies of a story). */
export class StoryPool {
  private readonly byBand = new Map<number, StoryCandidate[]>();

  constructor(rows: readonly CandidateRow[]) {
    for (const { bands, story_signature: json, ...rest } of rows) {
      const candidate: StoryCandidate = { ...rest, published: Number(rest.published), signature: parseSignature(json) };
      for (const band of bands) this.addTo(band, candidate);
    }
  }

  candidatesOf(article: IndexedArticle): StoryCandidate[] {
    const found = new Map<string, StoryCandidate>();
    for (const band of article.story?.bands ?? []) {
      for (const c of this.byBand.get(band) ?? []) found.set(c.id, c);
    }
    return [...found.values()];
  }

  add(article: IndexedArticle, storyId: string | undefined): void {
    const signature = article.story;
    if (!signature) return;
    const candidate: StoryCandidate = {
      id: article.id, story_id: storyId ?? null, source_id: article.sourceId, published: article.published.getTime(), signature,
    };
    for (const band of signature.bands) this.addTo(band, candidate);
  }

  private addTo(band: number, candidate: StoryCandidate): void {
    const list = this.byBand.get(band);
    if (list) list.push(candidate);
    else this.byBand.set(band, [candidate]);
  }
}

/** The topics of a story's leader: its own and its copies' (stored as JSON lists). */
export function storyTopics(own: readonly string[], copies: readonly { topics: string }[]): string[] {
  return [...new Set([...own, ...copies.flatMap((c) => JSON.parse(c.topics) as string[])])];
}

/** A copy of a story as the related-articles query reads it. */
export interface RelatedRow {
  id: string;
  url: string;
  title: string;
  source_id: string;
  story_id: string;
}

/** Related rows by the id of the article that leads them, in the order read. */
export function groupRelated(rows: readonly RelatedRow[]): Map<string, RelatedArticle[]> {
  const byLeader = new Map<string, RelatedArticle[]>();
  for (const row of rows) {
    const related: RelatedArticle = { id: row.id, url: row.url, title: row.title, sourceId: row.source_id };
    const list = byLeader.get(row.story_id);
    if (list) list.push(related);
    else byLeader.set(row.story_id, [related]);
  }
  return byLeader;
}

export function withRelated(article: StoredArticle, related: RelatedArticle[] | undefined): StoredArticle {
  return related?.length ? { ...article, related } : article;
}

/**
 * Stories per topic out of two cheap counts: every article's topic rows, less those of story copies
 * (few, read through the partial index on story_id), except in topics that list every copy.
 */
export function storyCounts(
  articles: readonly { topic: string; n: number | string }[],
  copies: readonly { topic: string; n: number | string }[],
  separate: 'all' | readonly string[] = [],
): Map<string, number> {
  const counts = new Map(articles.map((r) => [r.topic, Number(r.n)]));
  if (separate === 'all') return counts;
  for (const { topic, n } of copies) {
    if (separate.includes(topic)) continue;
    counts.set(topic, (counts.get(topic) ?? 0) - Number(n));
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Regrouping after the fact (npm run regroup): the same rules and band index as at ingest, for
// articles that stand alone (no story, no copies) within a period. Nothing that already leads copies
// or follows a leader moves, so a published leader's id never changes and a second run finds nothing.

/** What regroupStories does and reports. */
export interface RegroupOptions {
  /** Articles published from this instant on are looked at (their candidates reach one window further back). */
  since: Date;
  /** A source whose article leads when two stand-alone ones merge, whatever their dates (`local`). */
  leadingSource?: string;
  /**
   * Asked before each page (one transaction): true stops the regroup there with a RegroupStopped
   * error, every page before it committed. How a shutdown stops a regroup on another thread without
   * terminating the thread inside a statement (which aborts the whole process in better-sqlite3).
   */
  stopped?: () => boolean;
}

/** A regroup that stopped because `RegroupOptions.stopped` said so. */
export class RegroupStopped extends Error {
  constructor() {
    super('regroup stopped before its next page');
    this.name = 'RegroupStopped';
  }
}

export interface RegroupResult {
  /** Stand-alone signed articles looked at. */
  examined: number;
  /** Articles that became another story's copy. */
  joined: number;
}

/** A candidate of a regrouping, with whether it leads copies of its own. */
export interface RegroupCandidate extends StoryCandidate {
  copies: number;
}

/** A signed article as both backends' regroup.ts read it (bigints may come as strings from PostgreSQL). */
export interface RegroupRow {
  id: string;
  story_id: string | null;
  source_id: string;
  published: string | number;
  story_signature: string;
  copies: string | number;
}

/** Reads RegroupRows from `articles a`; the caller adds its WHERE. */
export const REGROUP_ROW_SELECT = `SELECT id, story_id, source_id, published, story_signature,
  (SELECT count(*) FROM articles c WHERE c.story_id = a.id) AS copies FROM articles a`;

export function regroupCandidate(row: RegroupRow): RegroupCandidate {
  return {
    id: row.id, story_id: row.story_id, source_id: row.source_id, published: Number(row.published),
    signature: parseSignature(row.story_signature), copies: Number(row.copies),
  };
}

/** For one article: the merge to make, none, or `not-alone` (it leads copies or follows a leader by now). */
export type RegroupDecision = { copy: string; leader: string } | undefined | 'not-alone';

/** Stand-alone signed articles are read in pages of this many, one transaction each. */
export const REGROUP_PAGE = 200;

/**
 * For an article standing alone, the merge to make: `copy` joins the story `leader` leads. It joins
 * the story of its best match, unless that match stands alone too: then both are published leaders
 * already, and the one from `leadingSource`, else the earlier published (then the smaller id), leads.
 */
export function regroupStep(
  alone: StoryCandidate, candidates: readonly RegroupCandidate[], windowMs: number, leadingSource?: string,
): { copy: string; leader: string } | undefined {
  const best = bestMatch(alone, candidates, windowMs);
  if (!best) return undefined;
  if (best.story_id !== null) return { copy: alone.id, leader: best.story_id };
  if (best.copies > 0) return { copy: alone.id, leader: best.id };
  return leadsOver(alone, best, leadingSource) ? { copy: best.id, leader: alone.id } : { copy: alone.id, leader: best.id };
}

function leadsOver(a: StoryCandidate, b: StoryCandidate, leadingSource: string | undefined): boolean {
  if ((a.source_id === leadingSource) !== (b.source_id === leadingSource)) return a.source_id === leadingSource;
  return a.published < b.published || (a.published === b.published && a.id < b.id);
}
