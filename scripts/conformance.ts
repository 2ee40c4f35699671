// Conformance check run by CI: reads every topic feed of a running Tidings server (or one it starts on
// test/fixtures/conformance) the way real readers do — feedparser, newsboat, jing, xmllint, ajv — and
// checks each against the JSON Feed /feeds/all.json as the truth. Usage: conformance.ts [--url URL]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { decodeHTML } from 'entities';
import { jsonFeedValidator } from './jsonfeed-schema.ts';
import { freePort } from './free-port.ts';

const REPO = resolve(import.meta.dirname, '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'conformance');
const SCHEMAS = process.env.TIDINGS_SCHEMAS_DIR ?? resolve(REPO, '..', 'shared', 'schemas');
const PYTHON = '/usr/bin/python3'; // Debian's python3-feedparser is installed for this interpreter only
const FEEDPARSER_HELPER = join(REPO, 'scripts', 'conformance_feedparser.py');
/** The W3C Feed Validation Service, run offline (see its README); validated in batches by W3C_HELPER. */
const VALIDATORS = process.env.TIDINGS_VALIDATORS_DIR ?? resolve(REPO, '..', 'shared', 'validators');
const W3C_HELPER = join(REPO, 'scripts', 'conformance_w3c.py');

/**
 * Titles of test/fixtures/conformance/content, exactly as written there. Checked only against a server
 * this script started: they prove a title with `&`, `<`, `"`, `'` and Cyrillic survives ingestion too,
 * which comparing formats with each other cannot show.
 */
const FIXTURE_TITLES = [
  'Київське метро відкриває станцію «Поділ» після ремонту',
  `Q&A: why "Vec<T>" isn't 'just' a list & when 3 < 5 matters`,
  'Борщ на неділю — рецепт без поспіху',
  'Home server notes: backups & "restore" drills',
  'Львівська кава: як її варять у джезві',
  'Tidings 0.1 — first release notes',
];

const FORMATS = ['rss', 'atom', 'json'] as const;
type Format = (typeof FORMATS)[number];
const CONTENT_TYPES: Record<Format, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};
/** A chain of `next` links longer than this is a loop, not a feed. */
const MAX_PAGES = 20;
const FETCH_TIMEOUT_MS = 15_000;
const BOOT_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Reporting

class Report {
  passed = 0;
  failed = 0;
  skipped = 0;

  /** With CI=true a skipped check fails: CI must not go green because a tool was not installed. */
  constructor(private readonly strict: boolean) {}

  ok(name: string): void {
    this.passed++;
    console.log(`ok   ${name}`);
  }

  fail(name: string, why: string): void {
    this.failed++;
    console.log(`FAIL ${name}: ${why}`);
  }

  skip(name: string, why: string): void {
    if (this.strict) return this.fail(name, `skipped, which CI=true forbids: ${why}`);
    this.skipped++;
    console.log(`SKIP ${name}: ${why}`);
  }

  /** Records one check from a list of problems: none is a pass. */
  check(name: string, problems: readonly string[]): void {
    if (problems.length === 0) this.ok(name);
    else this.fail(name, problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5} more)` : ''));
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed${this.skipped > 0 ? `, ${this.skipped} skipped` : ''}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Tools

interface Tools {
  /** For each tool: undefined when usable, otherwise why not. */
  xmllint?: string;
  jing?: string;
  feedparser?: string;
  newsboat?: string;
  w3c?: string;
}

function missing(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) return `${command} not found (${result.error.message})`;
  return undefined;
}

function probeTools(): Tools {
  const tools: Tools = {};
  const xmllint = missing('xmllint', ['--version']);
  if (xmllint) tools.xmllint = xmllint;
  const jing = missing('jing', []);
  const schemas = ['atom.rnc', 'atom-rules.sch'].filter((f) => !existsSync(join(SCHEMAS, f)));
  if (jing) tools.jing = jing;
  else if (schemas.length > 0) tools.jing = `no ${schemas.join(', ')} in ${SCHEMAS}`;
  const python = spawnSync(PYTHON, ['-c', 'import feedparser'], { encoding: 'utf8' });
  if (python.error !== undefined) tools.feedparser = `${PYTHON} not found`;
  else if (python.status !== 0) tools.feedparser = `${PYTHON} cannot import feedparser (apt install python3-feedparser)`;
  const newsboat = missing('newsboat', ['-v']);
  if (newsboat) tools.newsboat = newsboat;
  const w3c = w3cMissing();
  if (w3c) tools.w3c = w3c;
  return tools;
}

function w3cMissing(): string | undefined {
  if (!existsSync(join(VALIDATORS, 'feedvalidator', 'feedvalidator', '__init__.py'))) return `no W3C feedvalidator in ${VALIDATORS} (set TIDINGS_VALIDATORS_DIR)`;
  const python = spawnSync(PYTHON, ['-c', 'import libxml2, rdflib, html5lib'], { encoding: 'utf8' });
  if (python.error !== undefined) return `${PYTHON} not found`;
  if (python.status !== 0) return `${PYTHON} lacks the validator's modules (apt install python3-libxml2 python3-rdflib python3-html5lib)`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The server

interface Server {
  base: string;
  selfStarted: boolean;
  stop(): Promise<void>;
}

async function startServer(work: string): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      BASE_URL: base,
      DATABASE_URL: `sqlite:${join(work, 'tidings.db')}`,
      CONTENT_DIR: join(FIXTURE, 'content'),
      FEEDS_DIR: join(FIXTURE, 'feeds'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}: ${output.trim()}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { base, selfStarted: true, stop };
      lastError = `GET /healthz answered ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`server not healthy after ${BOOT_TIMEOUT_MS} ms (${lastError}): ${output.trim()}`);
}

// ---------------------------------------------------------------------------------------------
// Fetched documents

interface Fetched {
  status: number;
  contentType: string;
  body: string;
}

async function get(base: string, pathAndQuery: string): Promise<Fetched> {
  const res = await fetch(new URL(pathAndQuery, base), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Feed links are absolute on BASE_URL; the path and query are fetched from the server under test. */
function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

interface JsonItem {
  id: string;
  url?: string;
  title?: string;
  date_published?: string;
  date_modified?: string;
  authors?: { name?: string }[];
  tags?: string[];
  language?: string;
  _tidings?: { topics?: string[] };
}

interface JsonFeedDoc {
  title?: string;
  next_url?: string;
  authors?: { name?: string }[];
  items: JsonItem[];
}

function asJsonFeed(body: string): JsonFeedDoc {
  const value: unknown = JSON.parse(body);
  if (typeof value !== 'object' || value === null || !Array.isArray(Reflect.get(value, 'items'))) {
    throw new Error('not a JSON Feed: no items array');
  }
  return value as JsonFeedDoc;
}

/** What the Python helper prints for each file. Dates are Unix seconds. */
interface ParsedEntry {
  id: string | null;
  title: string | null;
  link: string | null;
  published: number | null;
  updated: number | null;
  authors: string[];
  tags: string[];
}

interface ParsedFeed {
  file: string;
  bozo: number;
  bozo_exception: string | null;
  version: string | null;
  title: string | null;
  links: Record<string, string>;
  entries: ParsedEntry[];
}

function runFeedparser(files: string[]): Map<string, ParsedFeed> {
  const result = spawnSync(PYTHON, [FEEDPARSER_HELPER, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`feedparser helper failed: ${result.stderr.trim()}`);
  const parsed = JSON.parse(result.stdout) as ParsedFeed[];
  return new Map(parsed.map((p) => [p.file, p]));
}

/** One page of one feed variant, as fetched. */
interface Page {
  label: string;
  format: Format;
  file: string;
  fetched: Fetched;
  json?: JsonFeedDoc;
  parsed?: ParsedFeed;
}

/** All pages of `/feeds/<topic>.<format><query>`, in `next` order. */
interface Chain {
  topic: string;
  format: Format;
  query: string;
  pages: Page[];
  /** Why the chain stopped early, when it did. */
  broken?: string;
}

/**
 * Fetches every chain page by page. XML pages go through feedparser in one batch per round, which is
 * also how their `next` links are read: by a real feed parser, not a regular expression.
 */
async function collect(base: string, chains: Chain[], work: string, tools: Tools): Promise<void> {
  let pending: { chain: Chain; path: string }[] = chains.map((chain) => ({
    chain,
    path: `/feeds/${chain.topic}.${chain.format}${chain.query}`,
  }));
  let counter = 0;
  while (pending.length > 0) {
    const round: Page[] = [];
    const owners = new Map<Page, Chain>();
    for (const { chain, path } of pending) {
      if (chain.pages.length >= MAX_PAGES) {
        chain.broken = `more than ${MAX_PAGES} pages: a next-link loop?`;
        continue;
      }
      const fetched = await get(base, path);
      const file = join(work, 'feeds', `${++counter}.${chain.format}`);
      writeFileSync(file, fetched.body);
      const page: Page = { label: path, format: chain.format, file, fetched };
      chain.pages.push(page);
      if (fetched.status !== 200) {
        chain.broken = `GET ${path} answered ${fetched.status}`;
        continue;
      }
      round.push(page);
      owners.set(page, chain);
    }
    const xmlPages = round.filter((p) => p.format !== 'json');
    const parsed = tools.feedparser === undefined && xmlPages.length > 0 ? runFeedparser(xmlPages.map((p) => p.file)) : new Map<string, ParsedFeed>();
    pending = [];
    for (const page of round) {
      const chain = owners.get(page);
      if (chain === undefined) continue;
      let next: string | undefined;
      if (page.format === 'json') {
        try {
          page.json = asJsonFeed(page.fetched.body);
          next = page.json.next_url;
        } catch (err) {
          chain.broken = `${page.label}: ${err instanceof Error ? err.message : String(err)}`;
        }
      } else {
        page.parsed = parsed.get(page.file);
        next = page.parsed?.links.next;
      }
      if (next !== undefined) pending.push({ chain, path: pathOf(next) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

function seconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function xmllintCheck(report: Report, pages: Page[], tools: Tools): void {
  if (tools.xmllint !== undefined) return report.skip('xmllint well-formedness of RSS and Atom', tools.xmllint);
  for (const page of pages) {
    const result = spawnSync('xmllint', ['--noout', '--nonet', page.file], { encoding: 'utf8' });
    const first = result.stderr.trim().split('\n')[0]?.replaceAll(`${page.file}:`, 'line ') ?? `exit ${result.status}`;
    report.check(`${page.label}: xmllint well-formed`, result.status === 0 ? [] : [first]);
  }
}

/**
 * jing validates all files in one JVM start; it stops at the first fatal error, so a failing batch is
 * re-run file by file to say which document is wrong and why.
 */
function jingCheck(report: Report, pages: Page[], schema: string, what: string, args: string[]): void {
  if (pages.length === 0) return;
  const batch = spawnSync('jing', [...args, schema, ...pages.map((p) => p.file)], { encoding: 'utf8' });
  for (const page of pages) {
    const name = `${page.label}: jing ${what}`;
    if (batch.status === 0) {
      report.ok(name);
      continue;
    }
    const one = spawnSync('jing', [...args, schema, page.file], { encoding: 'utf8' });
    // jing continues a message on indented lines; join them so each error reads as one.
    const errors = `${one.stdout}${one.stderr}`
      .replace(/\n[ \t]+/g, ' ')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.replaceAll(`${page.file}:`, 'line '));
    report.check(name, one.status === 0 ? [] : errors.length > 0 ? errors : [`exit ${one.status}`]);
  }
}

interface W3cResult {
  file: string;
  feedType: string;
  errors: string[];
  warnings: string[];
}

/**
 * Every RSS and Atom page through the W3C Feed Validation Service, in batches (one Python process per
 * batch): no error allowed. Warnings are printed, not failed: the service warns about choices the specs
 * allow (e.g. a feed-level author an Atom reader does not need).
 */
function w3cCheck(report: Report, base: string, pages: Page[], tools: Tools): void {
  if (tools.w3c !== undefined) return report.skip('W3C Feed Validation Service on RSS and Atom', tools.w3c);
  const BATCH = 40;
  for (let i = 0; i < pages.length; i += BATCH) {
    const batch = pages.slice(i, i + BATCH);
    const args = batch.flatMap((p) => [p.file, new URL(p.label, base).href]);
    const run = spawnSync(PYTHON, [W3C_HELPER, VALIDATORS, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) {
      for (const page of batch) report.fail(`${page.label}: W3C Feed Validation Service`, `validator failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
      continue;
    }
    const results = new Map((JSON.parse(run.stdout) as W3cResult[]).map((r) => [r.file, r]));
    for (const page of batch) {
      const result = results.get(page.file);
      const name = `${page.label}: W3C Feed Validation Service, no error`;
      if (result === undefined) {
        report.fail(name, 'no result');
        continue;
      }
      for (const warning of result.warnings) console.log(`     warning ${page.label}: ${warning}`);
      const want = page.format === 'rss' ? 'RSS 2.0' : 'Atom';
      report.check(name, [...(result.feedType === want ? [] : [`read as ${result.feedType}, want ${want}`]), ...result.errors]);
    }
  }
}

/** A reader's view of one entry against the JSON Feed truth: same id, title, link, dates and topics. */
function compareEntry(entry: ParsedEntry, truth: Map<string, JsonItem>, format: Format, feedAuthors: string[]): string[] {
  const id = entry.id ?? '(no id)';
  const item = truth.get(id);
  if (item === undefined) return [`entry ${id} is not in /feeds/all.json`];
  const problems: string[] = [];
  const expect = (what: string, got: unknown, want: unknown): void => {
    if (!isDeepStrictEqual(got, want)) problems.push(`${id} ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  expect('title', entry.title, item.title);
  expect('link', entry.link, item.url);
  expect('published', entry.published, seconds(item.date_published));
  if (format === 'atom') {
    expect('updated', entry.updated, seconds(item.date_modified));
    // Atom names someone on every entry; JSON Feed items without authors inherit the feed's.
    const authors = item.authors?.map((a) => a.name) ?? feedAuthors;
    expect('authors', entry.authors, authors);
  }
  expect('categories', entry.tags, item.tags ?? []);
  return problems;
}

function checkPage(report: Report, page: Page, truth: Map<string, JsonItem>, feedAuthors: string[], validateJson: (v: unknown) => string[], tools: Tools): void {
  const type = page.fetched.contentType;
  report.check(`${page.label}: content type`, type.startsWith(CONTENT_TYPES[page.format]) ? [] : [`got "${type}", want ${CONTENT_TYPES[page.format]}`]);

  if (page.format === 'json') {
    if (page.json === undefined) return report.fail(`${page.label}: JSON Feed`, 'not parsed');
    report.check(`${page.label}: JSON Feed 1.1 schema (ajv)`, validateJson(page.json));
    const problems: string[] = [];
    for (const item of page.json.items) {
      const want = truth.get(item.id);
      if (want === undefined) problems.push(`item ${item.id} is not in /feeds/all.json`);
      else if (!isDeepStrictEqual(item, want)) problems.push(`item ${item.id} differs from /feeds/all.json`);
    }
    report.check(`${page.label}: items equal /feeds/all.json`, problems);
    return;
  }

  if (tools.feedparser !== undefined) return;
  const parsed = page.parsed;
  if (parsed === undefined) return report.fail(`${page.label}: feedparser`, 'no result');
  const version = page.format === 'rss' ? 'rss20' : 'atom10';
  report.check(`${page.label}: feedparser bozo == 0`, parsed.bozo === 0 ? [] : [parsed.bozo_exception ?? 'bozo']);
  report.check(`${page.label}: feedparser version ${version}`, parsed.version === version ? [] : [`got ${parsed.version}`]);
  report.check(
    `${page.label}: entries equal /feeds/all.json (id, title, link, dates, categories)`,
    parsed.entries.flatMap((e) => compareEntry(e, truth, page.format, feedAuthors)),
  );
}

function entryIds(page: Page): string[] {
  if (page.json !== undefined) return page.json.items.map((i) => i.id);
  return (page.parsed?.entries ?? []).map((e) => e.id ?? '(no id)');
}

/** The pages of a chain, read in order, list exactly the articles the truth puts in that feed. */
function checkChain(report: Report, chain: Chain, expected: string[], limit: number | undefined, tools: Tools): void {
  const name = `/feeds/${chain.topic}.${chain.format}${chain.query}: ${chain.pages.length} page(s) list the feed's articles in order`;
  if (chain.format !== 'json' && tools.feedparser !== undefined) return;
  if (chain.broken !== undefined) return report.fail(name, chain.broken);
  const problems: string[] = [];
  const ids = chain.pages.flatMap(entryIds);
  if (!isDeepStrictEqual(ids, expected)) problems.push(`got [${ids.join(', ')}], want [${expected.join(', ')}]`);
  if (limit !== undefined) {
    const sizes = chain.pages.map((p) => entryIds(p).length);
    if (sizes.some((n) => n > limit)) problems.push(`page sizes ${sizes.join(', ')} exceed limit ${limit}`);
  }
  report.check(name, problems);
}

/** newsboat reads each feed into a cache of its own: it stores an item once per guid across feeds. */
function newsboatCheck(report: Report, base: string, chain: Chain, truth: Map<string, JsonItem>, expected: string[], work: string): void {
  const url = new URL(`/feeds/${chain.topic}.${chain.format}`, base).href;
  const name = `newsboat ${url}: stores every item with its title`;
  const dir = join(work, 'newsboat', `${chain.topic}-${chain.format}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'urls'), `${url}\n`);
  writeFileSync(join(dir, 'config'), 'download-timeout 20\nreload-threads 1\n');
  const cache = join(dir, 'cache.db');
  const run = spawnSync('newsboat', ['-u', join(dir, 'urls'), '-c', cache, '-C', join(dir, 'config'), '-x', 'reload'], {
    encoding: 'utf8',
    // newsboat creates ~/.newsboat and lock files; keep them out of the real home directory.
    env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
    timeout: 60_000,
  });
  if (run.status !== 0 || !existsSync(cache)) {
    return report.fail(name, `newsboat exited ${run.status ?? run.signal}: ${`${run.stdout}${run.stderr}`.trim()}`);
  }
  const db = new Database(cache, { readonly: true });
  try {
    const rows = db.prepare('SELECT guid, title, url FROM rss_item WHERE feedurl = ?').all(url) as { guid: string; title: string; url: string }[];
    const problems: string[] = [];
    const got = new Map(rows.map((r) => [r.guid, r]));
    for (const id of expected) {
      const row = got.get(id);
      const item = truth.get(id);
      if (row === undefined) problems.push(`${id} not stored`);
      // newsboat keeps an RSS title as the HTML it is (RSS titles are HTML to readers) and shows it decoded.
      else if ((chain.format === 'rss' ? decodeHTML(row.title) : row.title) !== item?.title) problems.push(`${id} title ${JSON.stringify(row.title)}, want ${JSON.stringify(item?.title)}`);
      else if (row.url !== item.url) problems.push(`${id} url ${row.url}, want ${item.url}`);
    }
    for (const guid of got.keys()) if (!expected.includes(guid)) problems.push(`unexpected item ${guid}`);
    report.check(name, problems);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The run

interface TopicInfo {
  id: string;
  feeds: Record<Format, string>;
}

function readTopics(report: Report, fetched: Fetched): TopicInfo[] {
  const name = 'GET /topics lists topics with id, title, description, count and feed links';
  if (fetched.status !== 200) {
    report.fail(name, `status ${fetched.status}`);
    return [];
  }
  const value: unknown = JSON.parse(fetched.body);
  const problems: string[] = [];
  const topics: TopicInfo[] = [];
  if (!Array.isArray(value)) problems.push('not a JSON array');
  for (const entry of Array.isArray(value) ? (value as unknown[]) : []) {
    const t = entry as Partial<{ id: unknown; title: unknown; description: unknown; count: unknown; feeds: Partial<Record<Format, unknown>> }>;
    if (typeof t.id !== 'string' || typeof t.title !== 'string' || typeof t.description !== 'string' || typeof t.count !== 'number') {
      problems.push(`malformed topic ${JSON.stringify(entry)}`);
      continue;
    }
    const feeds = {} as Record<Format, string>;
    for (const format of FORMATS) {
      const link = t.feeds?.[format];
      if (typeof link !== 'string' || !URL.canParse(link) || new URL(link).pathname !== `/feeds/${t.id}.${format}`) {
        problems.push(`topic ${t.id}: feeds.${format} is ${JSON.stringify(link)}, want a URL of /feeds/${t.id}.${format}`);
      } else feeds[format] = link;
    }
    topics.push({ id: t.id, feeds });
  }
  report.check(name, problems);
  return topics;
}

async function readTruth(report: Report, base: string): Promise<{ items: JsonItem[]; authors: string[] } | undefined> {
  const items: JsonItem[] = [];
  let authors: string[] = [];
  let path: string | undefined = '/feeds/all.json';
  for (let page = 0; path !== undefined && page < MAX_PAGES; page++) {
    const fetched = await get(base, path);
    if (fetched.status !== 200) {
      report.fail('GET /feeds/all.json (the truth)', `${path} answered ${fetched.status}`);
      return undefined;
    }
    const feed = asJsonFeed(fetched.body);
    if (page === 0) authors = (feed.authors ?? []).map((a) => a.name ?? '');
    items.push(...feed.items);
    path = feed.next_url === undefined ? undefined : pathOf(feed.next_url);
  }
  report.check('GET /feeds/all.json (the truth) has articles with unique ids', [
    ...(items.length === 0 ? ['no items'] : []),
    ...(new Set(items.map((i) => i.id)).size !== items.length ? ['duplicate ids'] : []),
  ]);
  return { items, authors };
}

/** The article ids a variant must list, in the truth's (newest first) order. */
function expectedIds(items: JsonItem[], topic: string, query: string): string[] {
  const params = new URLSearchParams(query);
  const lang = params.get('lang');
  return items
    .filter((i) => topic === 'all' || (i._tidings?.topics ?? i.tags ?? []).includes(topic))
    .filter((i) => lang === null || (i.language ?? '').toLowerCase().split('-')[0] === lang)
    .map((i) => i.id);
}

async function run(report: Report, server: Server, tools: Tools, work: string): Promise<void> {
  const { base } = server;
  const health = await get(base, '/healthz');
  report.check('GET /healthz is 200', health.status === 200 ? [] : [`status ${health.status}`]);

  const topics = readTopics(report, await get(base, '/topics'));
  const truthFeed = await readTruth(report, base);
  if (truthFeed === undefined) return;
  const truth = new Map(truthFeed.items.map((i) => [i.id, i]));

  if (server.selfStarted) {
    const published = new Set(truthFeed.items.map((i) => i.title));
    for (const title of FIXTURE_TITLES) {
      report.check(`fixture title published verbatim: ${title}`, published.has(title) ? [] : [`not among ${JSON.stringify([...published])}`]);
    }
  }

  mkdirSync(join(work, 'feeds'), { recursive: true });
  const chains: Chain[] = [];
  for (const topic of ['all', ...topics.map((t) => t.id)]) {
    const queries = topic === 'all' ? ['', '?limit=2', '?lang=uk&limit=2'] : ['', '?limit=2'];
    for (const format of FORMATS) for (const query of queries) chains.push({ topic, format, query, pages: [] });
  }
  await collect(base, chains, work, tools);
  const pages = chains.flatMap((c) => c.pages.filter((p) => p.fetched.status === 200));

  xmllintCheck(report, pages.filter((p) => p.format !== 'json'), tools);
  w3cCheck(report, base, pages.filter((p) => p.format !== 'json'), tools);
  const atomPages = pages.filter((p) => p.format === 'atom');
  if (tools.jing === undefined) {
    jingCheck(report, atomPages, join(SCHEMAS, 'atom.rnc'), 'atom.rnc (RELAX NG, RFC 4287)', ['-c']);
    jingCheck(report, atomPages, join(SCHEMAS, 'atom-rules.sch'), 'atom-rules.sch (Schematron)', []);
  } else report.skip('jing validation of Atom against atom.rnc and atom-rules.sch', tools.jing);
  if (tools.feedparser !== undefined) report.skip('feedparser reading of RSS and Atom', tools.feedparser);

  const validateJson = jsonFeedValidator();
  for (const page of pages) checkPage(report, page, truth, truthFeed.authors, validateJson, tools);
  for (const chain of chains) {
    const limit = new URLSearchParams(chain.query).get('limit');
    checkChain(report, chain, expectedIds(truthFeed.items, chain.topic, chain.query), limit === null ? undefined : Number(limit), tools);
  }
  const paged = chains.filter((c) => c.query.includes('limit=2') && c.pages.length > 1);
  report.check('paging exercised: some ?limit=2 feed has a next page', paged.length > 0 ? [] : ['no ?limit=2 feed had a rel=next link']);

  if (tools.newsboat !== undefined) {
    report.skip('newsboat reading of RSS and Atom', tools.newsboat);
    return;
  }
  // newsboat 2.21 reads RSS and Atom only; JSON Feed is checked by the schema and comparison above.
  for (const chain of chains.filter((c) => c.query === '' && c.format !== 'json')) {
    newsboatCheck(report, base, chain, truth, expectedIds(truthFeed.items, chain.topic, ''), work);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { url: { type: 'string' } } });
  const report = new Report(process.env.CI === 'true');
  const tools = probeTools();
  const work = mkdtempSync(join(tmpdir(), 'tidings-conformance-'));
  let server: Server | undefined;
  try {
    if (values.url !== undefined) {
      server = { base: values.url.replace(/\/+$/, ''), selfStarted: false, stop: async () => {} };
    } else {
      try {
        server = await startServer(work);
        report.ok(`server started at ${server.base} on test/fixtures/conformance`);
      } catch (err) {
        report.fail('server start', err instanceof Error ? err.message : String(err));
      }
    }
    if (server !== undefined) await run(report, server, tools, work);
  } catch (err) {
    report.fail('conformance run', err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(report.summary());
  return report.failed > 0 ? 1 : 0;
}

process.exitCode = await main();
