// GET /feeds/<topics>.<rss|atom|json>: the hot path. The ETag comes from the query's content version
// (memoized per store revision) before anything is rendered, so a revalidation is a 304 without a
// query or a render; a 200 comes from the cache of rendered, precompressed bodies when it can.

import type { Request, Response } from 'express';
import { pickEncoding, prepareResponse, type CachedResponse, type CompressedEncoding, type Encoding } from '../cache/cache.ts';
import { isOneOff, parseFeedRequest, topicContext, type FeedRequest } from '../query/feed-query.ts';
import type { FeedSource, Rendered } from '../render/types.ts';
import { RENDERER_VERSION } from '../version.ts';
import { SingleFlight } from '../concurrency.ts';
import { RepeatAdmission } from '../cache/admission.ts';
import { knownSources, readVersion, RequestMemo, serveCached, type CachedServing, type Resolved, type Validators } from './cached.ts';
import { makeEtag } from './conditional.ts';
import type { AppDeps, Catalog } from './deps.ts';
import { feedSources, feedTexts, topicsOf, type FeedPageInput, type RenderedPage } from './feed-page.ts';
import { feedUrl } from './links.ts';
import { requestLimits, type MissGate } from './limits.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

interface FeedResolved extends Resolved {
  request: FeedRequest;
  /** WebSub discovery (§4): the hub and the topic URL to subscribe to; absent when the hub is off. */
  link?: string;
}

/**
 * What an empty feed that never lost an article says for `updated` and Last-Modified: the store's
 * version is then the Unix epoch, which validators call implausible and readers show as 1970. A fixed
 * instant keeps the ETag and the body in step (the version alone decides both).
 */
export const EMPTY_FEED_UPDATED = new Date('2026-01-01T00:00:00Z');

/** `gate`: the rate limits and overload bound, shared with the other cached routes (see routes.ts). */
export function feedHandler(deps: AppDeps, gate: MissGate): (req: Request, res: Response) => Promise<void> {
  const memo = new RequestMemo<FeedResolved>();
  const limits = requestLimits(deps.settings);
  const serving: CachedServing = {
    deps,
    gate,
    fills: new SingleFlight<CachedResponse>(),
    admission: new RepeatAdmission(),
    policy: {
      maxAgeSeconds: deps.settings.maxAgeSeconds,
      staleWhileRevalidate: deps.settings.staleWhileRevalidate,
      // CORS headers come from the route's cors() middleware, which knows the request's Origin.
    },
    route: '/feeds/:spec',
  };
  const { hubUrl } = deps.settings;
  const clock = deps.now;
  const now = clock ?? (() => new Date());
  // The clock read by every request; without a test clock, no Date is made for it.
  const nowMs = clock ? () => clock().getTime() : Date.now;

  return async (req, res) => {
    const catalog = deps.catalog();
    const revision = await deps.store.currentRevision();
    const minute = Math.floor(nowMs() / 60_000);
    // Pollers repeat the same URL: between two writes its parsing and version are already known.
    let resolved = memo.get(revision, catalog, req.url, minute);
    if (!resolved) {
      const parsed = parseFeedRequest(String(req.params.spec ?? ''), req.query as Record<string, unknown>, {
        ...topicContext(catalog.topics),
        knownSources: knownSources(catalog),
        now: now(),
      });
      if (parsed.kind === 'not-found') return sendNotFound(res, parsed.message, { topics: ['all', ...catalog.topics.map((t) => t.id)] });
      if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message);
      const request = parsed.request;
      const key = `${request.format}|${request.topicPath}?${request.queryString}`;
      const version = await readVersion(serving, req, res, request.query.terms !== undefined, () => deps.store.queryVersion(request.query));
      if (version === undefined) return;
      const texts = feedTexts(deps.settings.siteTitle, request, topicsOf(request, catalog.topics));
      const etag = makeEtag([version.tag, key, RENDERER_VERSION, deps.settings.baseUrl, texts.title, texts.description, deps.settings.hubUrl ?? '', String(limits.maxPageBytes)]);
      resolved = {
        request,
        validators: { etag, lastModified: plausible(version.lastModified) },
        cacheKey: `${key}|${etag}`,
        search: request.query.terms !== undefined,
        oneOff: isOneOff(request.query),
        ...(hubUrl ? { link: hubLink(hubUrl, feedUrl(deps.settings.baseUrl, request.topicPath, request.format, request.queryString)) } : {}),
        ...(request.dependsOnNow ? { minute } : {}),
      };
      memo.set(req.url, resolved);
    }
    // Everything a repeated URL needs was worked out once per store revision, above.
    const { request, validators, link } = resolved;
    if (link) res.setHeader('Link', link);
    await serveCached(serving, req, res, resolved, { revision, catalog }, () => fillEntry(deps, request, validators, limits.maxPageBytes, pickEncoding(req.headers['accept-encoding'])));
  };
}

function plausible(lastModified: Date): Date {
  return lastModified.getTime() > 0 ? lastModified : EMPTY_FEED_UPDATED;
}

function hubLink(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

async function fillEntry(deps: AppDeps, request: FeedRequest, validators: Validators, maxPageBytes: number, encoding: Encoding): Promise<CachedResponse> {
  const rendered = await renderFeed(deps, request, validators.lastModified, maxPageBytes, encoding === 'identity' ? undefined : encoding);
  const { compressed } = rendered;
  return prepareResponse(rendered.body, {
    ...validators,
    contentType: rendered.contentType,
    ...(rendered.truncated === undefined ? {} : { truncated: rendered.truncated }),
  }, compressed ? { [compressed.encoding]: compressed.body } : {});
}

/**
 * Queries and renders one feed: the body GET /feeds serves and the WebSub hub distributes. The page is
 * read and rendered by the store's query worker when it has one (renderQuery), else in process.
 */
export async function renderFeed(
  deps: Pick<AppDeps, 'store' | 'catalog' | 'settings'>,
  request: FeedRequest,
  lastModified: Date,
  maxPageBytes = requestLimits(deps.settings).maxPageBytes,
  encoding?: CompressedEncoding,
): Promise<Rendered & { compressed?: { encoding: CompressedEncoding; body: Buffer | null } }> {
  const catalog = deps.catalog();
  const { baseUrl, siteTitle, hubUrl } = deps.settings;
  const input: FeedPageInput = {
    request,
    site: { baseUrl, siteTitle, ...(hubUrl ? { hubUrl } : {}) },
    topics: topicsOf(request, catalog.topics),
    sources: creditsOf(catalog),
    lastModified: plausible(lastModified),
    maxPageBytes,
    ...(encoding ? { encoding } : {}),
  };
  const { compressed, ...rendered } = await deps.store.renderQuery<FeedPageInput, RenderedPage>(request.query, { module: FEED_PAGE_MODULE, input });
  return {
    ...rendered,
    body: asBuffer(rendered.body),
    ...(compressed ? { compressed: { encoding: compressed.encoding, body: compressed.body && asBuffer(compressed.body) } } : {}),
  };
}

/** feed-page.ts as the running code has it (.ts under tsx, .js in dist/), for the query worker to load. */
const FEED_PAGE_MODULE = new URL(`./feed-page${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

const creditsByCatalog = new WeakMap<Catalog, ReadonlyMap<string, FeedSource>>();

/** The sources' credits, worked out once per catalog (each feed page carries them). */
function creditsOf(catalog: Catalog): ReadonlyMap<string, FeedSource> {
  const known = creditsByCatalog.get(catalog);
  if (known) return known;
  const credits = feedSources(catalog.sources);
  creditsByCatalog.set(catalog, credits);
  return credits;
}

/** A body that came back from a worker thread is a plain Uint8Array: the same bytes, as a Buffer. */
function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
