// `npm run parse -- <file-or-url> [--base <url>] [--content-type <type>]`: one feed through the ingestion
// steps (decode → parse → normalize) printed as a JSON Feed 1.1 document, for seeing what Tidings makes
// of a feed. Never touches the store; repair notes from normalize go to stderr.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { describeError } from '../src/errors.ts';
import { decodeFeedBody } from '../src/fetch/charset.ts';
import { fetchFeed, userAgent } from '../src/fetch/remote.ts';
import type { Article, Person } from '../src/model.ts';
import { normalizeItem } from '../src/normalize/normalize.ts';
import { parseFeed } from '../src/parse/index.ts';
import { articleToJsonFeedItem, JSON_FEED_VERSION } from '../src/render/jsonfeed.ts';

const USAGE = 'usage: npm run parse -- <file-or-url> [--base <url>] [--content-type <type>]';

interface Args {
  input: string;
  /** The URL the document counts as fetched from: resolves relative links of a local file. */
  base?: string;
  contentType?: string;
}

function parseArgs(argv: string[]): Args | undefined {
  let input: string | undefined;
  let base: string | undefined;
  let contentType: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--base') base = argv[++i];
    else if (a === '--content-type') contentType = argv[++i];
    else if (a !== undefined && !a.startsWith('--') && input === undefined) input = a;
    else return undefined;
  }
  return input === undefined ? undefined : { input, base, contentType };
}

interface Loaded {
  text: string;
  charset: string;
  /** Where the text came from: the final URL after redirects, or --base for a file. */
  feedUrl?: string;
  contentType?: string;
}

async function load(args: Args): Promise<Loaded> {
  if (/^https?:\/\//i.test(args.input)) {
    const pkg: unknown = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : '0';
    const outcome = await fetchFeed(args.input, { userAgent: userAgent(version, 'https://github.com/tidings') });
    // No validators are sent, so a 304 would be a server bug; say so rather than print nothing.
    if (outcome.kind === 'not-modified') throw new Error(`${args.input}: 304 Not Modified without a conditional request`);
    return {
      text: outcome.text,
      charset: outcome.charset,
      feedUrl: args.base ?? outcome.finalUrl,
      contentType: args.contentType ?? outcome.contentType,
    };
  }
  const decoded = decodeFeedBody(await readFile(args.input), args.contentType);
  return { text: decoded.text, charset: decoded.charset, feedUrl: args.base, contentType: args.contentType };
}

function absolute(ref: string | undefined, base: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  try {
    return new URL(ref, base).href;
  } catch (err) {
    void err; // relative with no usable base: print it as the feed gave it
    return ref;
  }
}

function feedAuthor(p: Person): { name: string; url?: string } {
  const url = p.url ?? (p.email ? `mailto:${p.email}` : undefined);
  return { name: p.name || p.email || '', ...(url ? { url } : {}) };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const loaded = await load(args);
  const feed = await parseFeed(loaded.text, { url: loaded.feedUrl ?? args.input, contentType: loaded.contentType });
  const now = new Date();
  const sourceId = loaded.feedUrl ? new URL(loaded.feedUrl).hostname : basename(args.input);
  const articles: { article: Article; guid?: string }[] = feed.items.map((item) => ({
    article: normalizeItem(item, {
      sourceId,
      feedUrl: loaded.feedUrl,
      feedBase: feed.base ?? feed.link,
      feedLanguage: feed.language,
      now,
      baseUrl: 'http://localhost/',
      log: (msg) => console.error(msg),
    }),
    guid: item.guid,
  }));
  const homeBase = absolute(feed.base, loaded.feedUrl) ?? loaded.feedUrl;
  const doc = {
    version: JSON_FEED_VERSION,
    title: feed.title ?? '',
    ...(feed.link ? { home_page_url: absolute(feed.link, homeBase) } : {}),
    ...(loaded.feedUrl ? { feed_url: loaded.feedUrl } : {}),
    ...(feed.description ? { description: feed.description } : {}),
    ...(feed.language ? { language: feed.language } : {}),
    ...(feed.image ? { icon: absolute(feed.image, homeBase) } : {}),
    authors: feed.authors.map(feedAuthor),
    // JSON Feed has no field for these: Tidings' extension object (`_`-prefixed keys are the publisher's).
    _tidings: {
      format: feed.format,
      charset: loaded.charset,
      ...(feed.ttlMinutes !== undefined ? { ttl_minutes: feed.ttlMinutes } : {}),
      item_errors: feed.itemErrors,
    },
    items: articles.map(({ article, guid }) => {
      const item = articleToJsonFeedItem(article);
      return {
        ...item,
        // articleToJsonFeedItem puts topics in `tags`; this tool runs no classifier, so it shows the
        // source's own categories there instead (they are also in _tidings.categories).
        ...(article.categories.length > 0 ? { tags: [...article.categories] } : {}),
        _tidings: { ...item._tidings, ...(guid !== undefined ? { guid } : {}) },
      };
    }),
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(describeError(err));
    process.exitCode = 1;
  },
);
