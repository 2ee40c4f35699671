// A page renderer: a module of a later step (src/http/feed-page.ts) that a store runs on a page of
// articles where it reads them, on its query worker when it has one, so that neither the articles
// nor their rendering reach the thread that serves readers. The store knows only the module's URL
// and hands its input on untouched, with the page's version when the store read the page itself.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { StoredArticle } from '../model.ts';
import type { QueryVersion } from './store.ts';

export interface PageRenderer<I> {
  /** URL of an ES module that exports renderArticles(articles, input, version). */
  module: string;
  /** Plain data: it may cross to a worker thread. */
  input: I;
}

interface RendererModule {
  renderArticles(articles: StoredArticle[], input: unknown, version: QueryVersion | undefined): unknown;
  /** The buffers the output alone holds: a worker moves them to the caller's thread instead of copying. */
  transferablesOf?(output: unknown): ArrayBuffer[];
}

export interface RendererOutput {
  output: unknown;
  transfer: ArrayBuffer[];
}

/** `version`: the page's, when the store read the page for this render (see ArticleRepository.renderQuery). */
export async function renderArticlesWith(
  articles: StoredArticle[], renderer: PageRenderer<unknown>, version?: QueryVersion,
): Promise<RendererOutput> {
  const module = await load(renderer.module);
  const output = module.renderArticles(articles, renderer.input, version);
  return { output, transfer: module.transferablesOf?.(output) ?? [] };
}

/**
 * Under tsx (npm run dev, a test file run alone) a worker thread on Node 20 gets tsx's require hook
 * but not its import hook: TypeScript sources load through require there. Built code imports.
 */
async function load(url: string): Promise<RendererModule> {
  if (url.endsWith('.ts')) return createRequire(import.meta.url)(fileURLToPath(url)) as RendererModule;
  return (await import(url)) as RendererModule;
}
