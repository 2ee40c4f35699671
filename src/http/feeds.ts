// GET /feeds/<topics>.<rss|atom|json>: the hot path. The ETag comes from the query's content version
// (memoized per store revision) before anything is rendered, so a revalidation is a 304 without a
// query or a render; a 200 comes from the cache of rendered, precompressed bodies when it can.

import type { Request, Response } from 'express';
import { pickEncoding, prepareResponse, type CachedResponse, type CompressedEncoding } from '../cache/cache.ts';
import { isOneOff, parseFeedRequest, topicContext, type FeedRequest } from '../query/feed-query.ts';
import type { FeedSource, Rendered } from '../render/types.ts';
import { RENDERER_VERSION } from '../version.ts';
import { SingleFlight } from '../concurrency.ts';
import { RepeatAdmission } from '../cache/admission.ts';
import { knownSources, readVersion, RequestMemo, serveCached, type CachedServing, type Resolved, type Validators } from './cached.ts';
import { makeEtag } from './conditional.ts';
import type { AppDeps, Catalog } from './deps.ts';
import type { QueryVersion } from '../store/store.ts';
import { feedSources, feedTexts, plausible, topicsOf, type FeedPageInput, type RenderedPage } from './feed-page.ts';
import { feedUrl } from './links.ts';
import { requestLimits, runAsMiss, type MissGate } from './limits.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

interface FeedResolved extends Resolved {
  request: FeedRequest;
  /** WebSub discovery (§4): the hub and the topic URL to subscribe to; absent when the hub is off. */
  link?: string;
}

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
    // Set when this request's page was rendered with its version (a one-off query's first request).
    let first: RenderedFeed | undefined;
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
      const search = request.query.terms !== undefined;
      const oneOff = isOneOff(request.query);
      let version: QueryVersion | undefined;
      if (oneOff && !isConditional(req)) {
        // A one-off query's first request must be rendered whatever its version: it is charged as a miss
        // at once, and its page read, versioned and rendered in one step (one round trip to a query
        // worker instead of a version read and then a render).
        first = await runAsMiss(gate, req, res, search, () => renderFeed(deps, request, undefined, limits.maxPageBytes, compressible(req)));
        if (first === undefined) return;
        version = first.version;
        if (version === undefined) throw new Error(`feed ${request.topicPath}: the store rendered a first page without its version`);
      } else {
        version = await readVersion(serving, req, res, search, () => deps.store.queryVersion(request.query));
        if (version === undefined) return;
      }
      const texts = feedTexts(deps.settings.siteTitle, request, topicsOf(request, catalog.topics));
      const etag = makeEtag([version.tag, key, RENDERER_VERSION, deps.settings.baseUrl, texts.title, texts.description, deps.settings.hubUrl ?? '', String(limits.maxPageBytes)]);
      resolved = {
        request,
        validators: { etag, lastModified: plausible(version.lastModified) },
        cacheKey: `${key}|${etag}`,
        search,
        oneOff,
        ...(hubUrl ? { link: hubLink(hubUrl, feedUrl(deps.settings.baseUrl, request.topicPath, request.format, request.queryString)) } : {}),
        ...(request.dependsOnNow ? { minute } : {}),
      };
      memo.set(req.url, resolved);
    }
    // Everything a repeated URL needs was worked out once per store revision, above.
    const { request, validators, link } = resolved;
    if (link) res.setHeader('Link', link);
    // A first request's page was rendered inside the overload bound already; it does not queue again.
    const fill = first
      ? entryOf(first, validators)
      : async () => entryOf(await renderFeed(deps, request, validators.lastModified, limits.maxPageBytes, compressible(req)), validators);
    await serveCached(serving, req, res, resolved, { revision, catalog }, fill);
  };
}

/** A request with validators may be answered 304 before any render: it takes the version read first. */
function isConditional(req: Request): boolean {
  return req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
}

/** The coding the render makes beside the page (on a query worker), if the client accepts one. */
function compressible(req: Request): CompressedEncoding | undefined {
  const encoding = pickEncoding(req.headers['accept-encoding']);
  return encoding === 'identity' ? undefined : encoding;
}

function hubLink(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

function entryOf(rendered: RenderedFeed, validators: Validators): CachedResponse {
  const { compressed } = rendered;
  return prepareResponse(rendered.body, {
    ...validators,
    contentType: rendered.contentType,
    ...(rendered.truncated === undefined ? {} : { truncated: rendered.truncated }),
  }, compressed ? { [compressed.encoding]: compressed.body } : {});
}

/** A rendered feed page on this thread; `version` when the render read the page itself (renderQuery). */
export type RenderedFeed = Rendered & { compressed?: { encoding: CompressedEncoding; body: Buffer | null }; version?: QueryVersion };

/**
 * Queries and renders one feed: the body GET /feeds serves and the WebSub hub distributes. The page is
 * read and rendered by the store's query worker when it has one (renderQuery), else in process.
 * `lastModified`: of the version the caller read for this query object; undefined when it read none,
 * and the page read now comes with its version.
 */
export async function renderFeed(
  deps: Pick<AppDeps, 'store' | 'catalog' | 'settings'>,
  request: FeedRequest,
  lastModified: Date | undefined,
  maxPageBytes = requestLimits(deps.settings).maxPageBytes,
  encoding?: CompressedEncoding,
): Promise<RenderedFeed> {
  const catalog = deps.catalog();
  const { baseUrl, siteTitle, hubUrl } = deps.settings;
  const input: FeedPageInput = {
    request,
    site: { baseUrl, siteTitle, ...(hubUrl ? { hubUrl } : {}) },
    topics: topicsOf(request, catalog.topics),
    sources: creditsOf(catalog),
    ...(lastModified ? { lastModified: plausible(lastModified) } : {}),
    maxPageBytes,
    ...(encoding ? { encoding } : {}),
  };
  const { output, version } = await deps.store.renderQuery<FeedPageInput, RenderedPage>(request.query, { module: FEED_PAGE_MODULE, input });
  const { compressed, ...rendered } = output;
  return {
    ...rendered,
    body: asBuffer(rendered.body),
    ...(compressed ? { compressed: { encoding: compressed.encoding, body: compressed.body && asBuffer(compressed.body) } } : {}),
    ...(version ? { version } : {}),
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
