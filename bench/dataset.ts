// The benchmark's data: a deterministic SQLite store of articles spread over topics, and the feeds
// directory (topics.yaml, sources.yaml) that declares those topics to the server.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IndexedArticle } from '../src/model.ts';
import { openStore } from '../src/store/store.ts';

export interface DatasetOptions {
  articles: number;
  topics: number;
  batchSize: number;
  /** Passed to openStore, e.g. `sqlite:/tmp/x/bench.db`. */
  databaseUrl: string;
  feedsDir: string;
}

/** Pseudo-words that tokenize as themselves, so full-text queries in the bench hit real terms. */
export const VOCABULARY: readonly string[] = buildVocabulary(400);

export function topicId(n: number): string {
  return `topic-${String(n).padStart(2, '0')}`;
}

/** A small seeded PRNG (mulberry32): the same data on every run, so runs compare. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildVocabulary(size: number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'de', 'po', 'la', 'zu', 'fe', 'gi', 'ho', 'ja'];
  const words = new Set<string>();
  const rand = prng(7);
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syllables[Math.floor(rand() * syllables.length)];
    words.add(w);
  }
  return [...words];
}

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(VOCABULARY[Math.floor(rand() * VOCABULARY.length)] ?? 'tidings');
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Article `i` of the set: one primary topic (i mod topics), every 7th also in a second one. */
export function makeArticle(i: number, topics: number, rand: () => number, newest: number): IndexedArticle {
  const published = new Date(newest - i * 60_000 - Math.floor(rand() * 30_000));
  const primary = topicId(i % topics);
  const articleTopics = i % 7 === 0 ? [primary, topicId((i * 13 + 1) % topics)] : [primary];
  const summary = sentence(rand, 30) + '.';
  const paragraphs = [sentence(rand, 40), sentence(rand, 40), sentence(rand, 30)];
  return {
    id: `https://bench.example/articles/${i}`,
    title: sentence(rand, 7),
    url: `https://bench.example/articles/${i}`,
    summary,
    contentHtml: paragraphs.map((p) => `<p>${p}.</p>`).join(''),
    published,
    updated: published,
    authors: [{ name: `Author ${i % 97}` }],
    language: 'en',
    sourceId: `bench-source-${i % 20}`,
    categories: [`category-${i % 30}`],
    topics: [...new Set(articleTopics)],
    enclosures: [],
    text: paragraphs.map((p) => `${p}.`).join('\n'),
  };
}

/** Writes the store in batches (one transaction each) and the feeds directory; returns seconds taken. */
export async function generateDataset(opts: DatasetOptions): Promise<number> {
  const started = performance.now();
  const store = await openStore(opts.databaseUrl);
  try {
    const rand = prng(42);
    const newest = Date.UTC(2026, 0, 1);
    for (let start = 0; start < opts.articles; start += opts.batchSize) {
      const batch: IndexedArticle[] = [];
      const end = Math.min(start + opts.batchSize, opts.articles);
      for (let i = start; i < end; i++) batch.push(makeArticle(i, opts.topics, rand, newest));
      await store.upsertArticles(batch);
    }
  } finally {
    await store.close();
  }
  await writeFeedsDir(opts.feedsDir, opts.topics);
  return (performance.now() - started) / 1000;
}

async function writeFeedsDir(dir: string, topics: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines = ['topics:'];
  for (let n = 0; n < topics; n++) {
    lines.push(
      `  - id: ${topicId(n)}`,
      `    title: Bench topic ${n}`,
      `    description: Generated topic ${n} for the serving benchmark`,
      '    keywords: []',
      '    categories: []',
      '    sources: []',
    );
  }
  await writeFile(join(dir, 'topics.yaml'), lines.join('\n') + '\n');
  // No remote sources: the scheduler must stay idle while the bench measures serving.
  await writeFile(join(dir, 'sources.yaml'), 'sources: []\n');
}
