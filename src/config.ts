// Configuration: the environment and feeds/*.yaml, each checked by one zod schema at boot so a bad
// value stops the process with the variable name or the file:line that holds it. Also the watcher
// that reloads feeds/ on change, keeping the running configuration when an edit is invalid.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { compileTopics, TopicRuleError, type CompiledTopics } from './classify/topics.ts';
import { describeError, TidingsError } from './errors.ts';
import type { Source, Topic } from './model.ts';
import { LANGUAGES, type Language } from './render/i18n/messages.ts';

// ---------------------------------------------------------------------------------------------
// Environment

export interface EnvConfig {
  port: number;
  /** Public origin (and optional path prefix) feeds link to; never ends with a slash. */
  baseUrl: string;
  databaseUrl: string;
  /** PostgreSQL pool size (DATABASE_POOL_SIZE), PGSSLMODE and STORY_WINDOW_HOURS, passed to openStore as they are. */
  databaseOptions: { poolSize: number; sslMode?: string; storyWindowHours: number; queryWorkers?: number };
  feedsDir: string;
  contentDir: string;
  logLevel: LogLevel;
  /** Cache-Control max-age of feed responses. */
  cacheMaxAgeSeconds: number;
  /** Memory budget of the rendered-response cache (bodies plus their gzip and Brotli forms). */
  cacheMaxBytes: number;
  /** `*` or a comma-separated list of origins. */
  corsOrigin: string;
  /** Contact URL sent in the User-Agent of outgoing requests. */
  userAgentUrl?: string;
  /** Run the built-in WebSub hub at `${baseUrl}/websub` and advertise it in every feed. */
  websub: boolean;
  /** Lets the hub call back to loopback and private addresses (off: a public hub must not be an SSRF relay). */
  websubAllowPrivateCallbacks: boolean;
  /** Which part of Tidings this process runs: `web` serves, `worker` polls and syncs, `all` both. */
  role: ProcessRole;
  /** ADMIN_TOKEN: the bearer token that unlocks admin resources (/metrics, /sources); unset, they are public. */
  adminToken?: string;
  /** How long a worker's claim on a source lasts without renewal (a dead worker's sources wait this long). */
  sourceLeaseSeconds: number;
  /** Overrides every source's interval, in seconds (development and tests; publishers prefer minutes). */
  pollIntervalSeconds?: number;
  /** Where a `worker` process answers GET /healthz and /metrics; unset, it listens nowhere. */
  metricsPort?: number;
  /** WebSub caps and per-request timeout; unset: the hub's defaults (websub/hub.ts HUB_DEFAULTS). */
  websubMaxSubscriptions?: number;
  websubMaxPerHost?: number;
  websubTimeoutMs?: number;
  /** Worker threads that parse, normalize and classify fetched feeds; undefined: one per core but one. */
  ingestWorkers?: number;
  /** Items kept per polled feed, newest first. */
  ingestMaxItems: number;
  /** Express's `trust proxy`: false (the peer is the client), a hop count, or addresses/subnets to trust. */
  trustProxy: boolean | number | string;
  /** Per client and minute: cache misses, searches (`q` misses) and POST /websub requests. */
  rateLimitMisses: number;
  rateLimitSearches: number;
  rateLimitWebsub: number;
  /** Cache misses rendering or waiting at once beyond which more are shed with 503. */
  maxPendingMisses: number;
  /** Bytes of article text one feed page may carry; items past it go to the next page. */
  maxPageBytes: number;
  /** SITE_TITLE: the site's name on pages and in feed titles. */
  siteTitle: string;
  /** SITE_LANGUAGE: the interface language when neither ?lang= nor Accept-Language names one. */
  siteLanguage: Language;
  /** SITE_DESCRIPTION: what the site is, for description and Open Graph meta; '' uses the catalogue's. */
  siteDescription: string;
  /** SITE_ICON: path of a PNG to serve as the site's icon instead of assets/icon.png. */
  siteIcon?: string;
}

export const PROCESS_ROLES = ['web', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

function integerVar(min: number, max: number) {
  const expected = `expected an integer ${min}–${max}`;
  return z
    .string()
    .regex(/^\d+$/, expected)
    .transform(Number)
    .refine((n) => n >= min && n <= max, expected);
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:';
}

const httpUrlVar = z.string().refine(isHttpUrl, 'expected an absolute http(s) URL');

const envSchema = z.object({
  PORT: integerVar(1, 65535).default(3000),
  BASE_URL: z
    .string()
    .refine(isHttpUrl, 'expected an absolute http(s) URL')
    .refine((s) => !/[?#]/.test(s), 'expected a URL without query or fragment')
    .transform((s) => s.replace(/\/+$/, ''))
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:<path> or postgres://…')
    .default('sqlite:./data/tidings.db'),
  DATABASE_POOL_SIZE: integerVar(1, 1000).default(10),
  PGSSLMODE: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']).optional(),
  FEEDS_DIR: z.string().default('./feeds'),
  CONTENT_DIR: z.string().default('./content'),
  LOG_LEVEL: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }))
    .default('info'),
  CACHE_MAX_AGE: integerVar(0, ONE_YEAR_SECONDS).default(300),
  CACHE_MAX_MB: integerVar(1, 65_536).default(32),
  CORS_ORIGIN: z
    .string()
    .refine(
      (s) => s === '*' || s.split(',').every((o) => isHttpUrl(o.trim()) && new URL(o.trim()).origin === o.trim()),
      'expected * or a comma-separated list of origins like https://example.org',
    )
    .default('*'),
  USER_AGENT_URL: httpUrlVar.optional(),
  WEBSUB: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['on', 'off'], { error: 'expected on or off' }))
    .default('on'),
  WEBSUB_ALLOW_PRIVATE_CALLBACKS: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['on', 'off'], { error: 'expected on or off' }))
    .default('off'),
  TIDINGS_ROLE: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(PROCESS_ROLES, { error: `expected one of ${PROCESS_ROLES.join(', ')}` }))
    .default('all'),
  ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  // Twice the 30 s a poll may take in all, renewed while it runs.
  SOURCE_LEASE_SECONDS: integerVar(2, 3_600).default(60),
  POLL_INTERVAL_SECONDS: integerVar(1, 86_400).optional(),
  METRICS_PORT: integerVar(1, 65535).optional(),
  WEBSUB_MAX_SUBSCRIPTIONS: integerVar(1, 10_000_000).optional(),
  WEBSUB_MAX_PER_HOST: integerVar(1, 10_000_000).optional(),
  WEBSUB_TIMEOUT_MS: integerVar(100, 120_000).optional(),
  INGEST_WORKERS: integerVar(1, 64).optional(),
  QUERY_WORKERS: integerVar(0, 64).optional(),
  INGEST_MAX_ITEMS: integerVar(1, 100_000).default(1000),
  STORY_WINDOW_HOURS: integerVar(0, 24 * 365).default(72),
  TRUST_PROXY: z
    .string()
    .regex(/^(off|\d{1,2}|[a-z0-9.:/, ]+)$/i, 'expected off, a hop count, or loopback/uniquelocal/addresses/subnets, comma-separated')
    .refine((s) => !/^(on|true)$/i.test(s), 'expected a hop count or the proxies\' addresses: trusting every hop lets any client pick its address')
    .default('off'),
  RATE_LIMIT_MISSES: integerVar(1, 1_000_000).default(300),
  RATE_LIMIT_SEARCHES: integerVar(1, 1_000_000).default(60),
  RATE_LIMIT_WEBSUB: integerVar(1, 1_000_000).default(20),
  MAX_PENDING_MISSES: integerVar(1, 100_000).default(64),
  MAX_PAGE_MB: integerVar(1, 1024).default(8),
  SITE_TITLE: z.string().trim().min(1, 'expected a non-empty title').max(200, 'expected at most 200 characters').default('Tidings'),
  SITE_LANGUAGE: z.enum(LANGUAGES, { error: `expected one of ${LANGUAGES.join(', ')}` }).default('uk'),
  SITE_DESCRIPTION: z.string().trim().max(500, 'expected at most 500 characters').default(''),
  SITE_ICON: z.string().regex(/\.png$/i, 'expected the path of a .png file').optional(),
});

const SECRET_VARS = new Set(['ADMIN_TOKEN']);

function trustProxyValue(raw: string): boolean | number | string {
  if (raw.toLowerCase() === 'off') return false;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** Reads the environment; throws TidingsError naming the first bad variable and its value. */
export function loadEnvConfig(env: NodeJS.ProcessEnv): EnvConfig {
  // `PORT=` in an env file means "not set", not "set to nothing".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // A secret's value is never echoed: this line goes to logs.
    const got = SECRET_VARS.has(name) ? 'a value (not shown: it is a secret)' : JSON.stringify(present[name]);
    throw new TidingsError('config', name, `${issue?.message ?? 'invalid'}, got ${got}`);
  }
  const v = result.data;
  return {
    port: v.PORT,
    baseUrl: v.BASE_URL ?? `http://localhost:${v.PORT}`,
    databaseUrl: v.DATABASE_URL,
    databaseOptions: {
      poolSize: v.DATABASE_POOL_SIZE, storyWindowHours: v.STORY_WINDOW_HOURS, ...(v.PGSSLMODE ? { sslMode: v.PGSSLMODE } : {}),
      ...(v.QUERY_WORKERS === undefined ? {} : { queryWorkers: v.QUERY_WORKERS }),
    },
    feedsDir: v.FEEDS_DIR,
    contentDir: v.CONTENT_DIR,
    logLevel: v.LOG_LEVEL,
    cacheMaxAgeSeconds: v.CACHE_MAX_AGE,
    cacheMaxBytes: v.CACHE_MAX_MB * 1024 * 1024,
    corsOrigin: v.CORS_ORIGIN,
    ...(v.USER_AGENT_URL === undefined ? {} : { userAgentUrl: v.USER_AGENT_URL }),
    websub: v.WEBSUB === 'on',
    websubAllowPrivateCallbacks: v.WEBSUB_ALLOW_PRIVATE_CALLBACKS === 'on',
    role: v.TIDINGS_ROLE,
    ...(v.ADMIN_TOKEN === undefined ? {} : { adminToken: v.ADMIN_TOKEN }),
    sourceLeaseSeconds: v.SOURCE_LEASE_SECONDS,
    ...(v.POLL_INTERVAL_SECONDS === undefined ? {} : { pollIntervalSeconds: v.POLL_INTERVAL_SECONDS }),
    ...(v.METRICS_PORT === undefined ? {} : { metricsPort: v.METRICS_PORT }),
    ...(v.WEBSUB_MAX_SUBSCRIPTIONS === undefined ? {} : { websubMaxSubscriptions: v.WEBSUB_MAX_SUBSCRIPTIONS }),
    ...(v.WEBSUB_MAX_PER_HOST === undefined ? {} : { websubMaxPerHost: v.WEBSUB_MAX_PER_HOST }),
    ...(v.WEBSUB_TIMEOUT_MS === undefined ? {} : { websubTimeoutMs: v.WEBSUB_TIMEOUT_MS }),
    ...(v.INGEST_WORKERS === undefined ? {} : { ingestWorkers: v.INGEST_WORKERS }),
    ingestMaxItems: v.INGEST_MAX_ITEMS,
    trustProxy: trustProxyValue(v.TRUST_PROXY),
    rateLimitMisses: v.RATE_LIMIT_MISSES,
    rateLimitSearches: v.RATE_LIMIT_SEARCHES,
    rateLimitWebsub: v.RATE_LIMIT_WEBSUB,
    maxPendingMisses: v.MAX_PENDING_MISSES,
    maxPageBytes: v.MAX_PAGE_MB * 1024 * 1024,
    siteTitle: v.SITE_TITLE,
    siteLanguage: v.SITE_LANGUAGE,
    siteDescription: v.SITE_DESCRIPTION,
    ...(v.SITE_ICON === undefined ? {} : { siteIcon: v.SITE_ICON }),
  };
}

// ---------------------------------------------------------------------------------------------
// feeds/topics.yaml and feeds/sources.yaml

export interface FeedsConfig {
  topics: Topic[];
  sources: Source[];
  /** The topics' rules, compiled once here so an invalid keyword stops the boot. */
  compiled: CompiledTopics;
}

export const TOPICS_FILE = 'topics.yaml';
export const SOURCES_FILE = 'sources.yaml';

const RESERVED_TOPIC_IDS = new Set(['all']);
/** `local` names the articles of content/ (Article.sourceId). */
const RESERVED_SOURCE_IDS = new Set(['local']);

const idSchema = z.string().regex(/^[a-z0-9-]+$/, 'expected an id of lowercase letters, digits and dashes');
const text = z.string().trim().min(1, 'expected a non-empty string');

/** A topic's title or description: one string, or one per interface language (`{uk: Україна, en: Ukraine}`). */
const localizedSchema = z.union([z.string(), z.record(z.string(), z.unknown())], {
  error: `expected a string, or a map of languages (${LANGUAGES.join(', ')}) to strings`,
});

const topicSchema = z.strictObject({
  id: idSchema,
  title: localizedSchema,
  description: localizedSchema.default(''),
  keywords: z.array(z.string({ error: 'expected a string (quote numbers)' })).default([]),
  categories: z.array(text).default([]),
  sources: z.array(idSchema).default([]),
  // `off`: the topic's feeds and page list every source's copy of a story on their own (see Stories).
  stories: z.union([z.enum(['on', 'off']), z.boolean()], { error: 'expected "on" or "off"' }).default('on'),
});

const topicsFileSchema = z.strictObject({ topics: z.array(topicSchema) });

const intervalHelp = 'expected an interval of at least 1 minute: minutes, or a string like 30m, 2h, 1h30m';

/** Minutes from `45`, `45m`, `2h`, `1h30m`. */
function parseInterval(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const m = /^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$/.exec(value);
  if (m && (m[1] !== undefined || m[2] !== undefined)) return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  return /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

const intervalSchema = z.union([z.number(), z.string()], { error: intervalHelp }).transform((value, ctx) => {
  const minutes = parseInterval(value);
  if (minutes === undefined || minutes < 1) {
    ctx.addIssue({ code: 'custom', message: intervalHelp });
    return z.NEVER;
  }
  return minutes;
});

const sourceSchema = z.strictObject({
  id: idSchema,
  url: z.string().refine(isHttpUrl, 'expected an absolute http(s) URL'),
  title: text.optional(),
  topics: z.array(idSchema).default([]),
  categories: z.record(z.string(), z.union([idSchema, z.array(idSchema)])).default({}),
  interval: intervalSchema.default(30),
  enabled: z.boolean().default(true),
  fulltext: z.boolean().default(false),
});

const sourcesFileSchema = z.strictObject({ sources: z.array(sourceSchema).nullable().default([]) });

type Path = readonly (string | number)[];

/** A parsed YAML file that can say on which line a value (or the closest existing parent) sits. */
class YamlFile {
  constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  lineOf(path: Path): number {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (!pair) break;
        const keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        const value = pair.value as Node | null;
        offset = value?.range?.[0] ?? keyStart ?? offset;
        node = value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as Node | undefined;
        if (!item?.range) break;
        offset = item.range[0];
        node = item;
      } else break;
    }
    return this.lines.linePos(offset).line;
  }

  /** The line of a key itself, for a key that should not be there. */
  lineOfKey(path: Path, key: string): number {
    const node = this.doc.getIn(path, true);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      if (start !== undefined) return this.lines.linePos(start).line;
    }
    return this.lineOf(path);
  }

  fail(path: Path, reason: string, cause?: unknown): TidingsError {
    return this.failAt(this.lineOf(path), path, reason, cause);
  }

  failAt(line: number, path: Path, reason: string, cause?: unknown): TidingsError {
    const at = path.length > 0 ? `${formatPath(path)}: ` : '';
    return new TidingsError('config', `${this.file}:${line}`, `${at}${reason}`, cause === undefined ? undefined : { cause });
  }
}

function formatPath(path: Path): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function readYaml(file: string): YamlFile {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TidingsError('config', file, `cannot read: ${describeError(err)}`, { cause: err });
  }
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = lines.linePos(error.pos[0]).line;
    throw new TidingsError('config', `${file}:${line}`, `invalid YAML: ${error.message}`, { cause: error });
  }
  return new YamlFile(file, doc, lines);
}

/** Validates a YAML document against a schema, turning the first issue into file:line. */
function validate<S extends z.ZodType>(yaml: YamlFile, schema: S): z.output<S> {
  const result = schema.safeParse(yaml.doc.toJS() ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw yaml.fail([], 'invalid');
  const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw yaml.failAt(yaml.lineOfKey(path, key), path, `unknown key "${key}"`);
  }
  const missing = (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined;
  throw yaml.fail(path, missing ? 'missing' : withInput(issue.message, issue.input));
}

function withInput(message: string, input: unknown): string {
  if (input === undefined || (typeof input === 'object' && input !== null)) return message;
  return `${message}, got ${JSON.stringify(input)}`;
}

/**
 * Reads feeds/topics.yaml (required) and feeds/sources.yaml (optional: no file, no sources), checks
 * every cross-reference and compiles the topic rules. Throws TidingsError('config', 'file:line', why).
 */
export function loadFeedsConfig(feedsDir: string): FeedsConfig {
  const topicsYaml = readYaml(join(feedsDir, TOPICS_FILE));
  const rawTopics = validate(topicsYaml, topicsFileSchema).topics;
  const topicIds = uniqueIds(topicsYaml, 'topics', rawTopics, RESERVED_TOPIC_IDS);

  const sourcesPath = join(feedsDir, SOURCES_FILE);
  const sources = existsSync(sourcesPath) ? readSources(readYaml(sourcesPath), topicIds) : [];
  const sourceIds = new Set(sources.map((s) => s.id));

  const topics: Topic[] = rawTopics.map((t, i) => ({
    id: t.id,
    ...localizedTopicTexts(topicsYaml, i, t.id, t.title, t.description),
    ...(t.stories === 'off' || t.stories === false ? { stories: 'separate' as const } : {}),
    rules: {
      keywords: t.keywords,
      categories: t.categories,
      sources: t.sources.map((id, j) => {
        if (sourceIds.has(id)) return id;
        throw topicsYaml.fail(['topics', i, 'sources', j], `unknown source "${id}" (not in ${SOURCES_FILE})`);
      }),
    },
  }));
  return { topics, sources, compiled: compileAt(topicsYaml, topics) };
}

function localizedTopicTexts(yaml: YamlFile, index: number, id: string, title: string | Record<string, unknown>, description: string | Record<string, unknown>): Pick<Topic, 'title' | 'description' | 'titles' | 'descriptions'> {
  const t = localizedField(yaml, index, id, 'title', title);
  const d = localizedField(yaml, index, id, 'description', description);
  return { title: t.text, description: d.text, ...(t.texts ? { titles: t.texts } : {}), ...(d.texts ? { descriptions: d.texts } : {}) };
}

/** A topic's title or description as the model keeps it: the text feeds use, and the per-language map if given. */
interface LocalizedText {
  text: string;
  texts?: Record<Language, string>;
}

/**
 * A title or description of feeds/topics.yaml, checked: a plain string, or a map of interface languages
 * to strings. Feeds take the language written first; pages their own. A title may not be empty; a
 * description may. Errors name the file's line, the topic and the field (`topics[2].title.de: topic europe: …`).
 */
function localizedField(yaml: YamlFile, index: number, id: string, field: 'title' | 'description', value: string | Record<string, unknown>): LocalizedText {
  const fail = (path: string[], reason: string) => yaml.fail(['topics', index, field, ...path], `topic ${id}: ${reason}`);
  const checked = (text: unknown, path: string[]): string => {
    if (typeof text !== 'string') throw fail(path, `expected a string, got ${JSON.stringify(text)}`);
    const trimmed = text.trim();
    if (field === 'title' && trimmed === '') throw fail(path, 'expected a non-empty title');
    return trimmed;
  };
  if (typeof value === 'string') return { text: checked(value, []) };
  const entries = Object.entries(value);
  const first = entries[0];
  if (first === undefined) throw fail([], `expected at least one language (${LANGUAGES.join(', ')})`);
  const texts = {} as Record<Language, string>;
  for (const [lang, text] of entries) {
    if (!(LANGUAGES as readonly string[]).includes(lang)) throw fail([lang], `unknown language "${lang}" (expected ${LANGUAGES.join(' or ')})`);
    texts[lang as Language] = checked(text, [lang]);
  }
  return { text: texts[first[0] as Language], texts };
}

type SourceEntry = z.output<typeof sourceSchema>;

/** Checks ids are unique and not reserved; returns them with the line each was first defined on. */
function uniqueIds(
  yaml: YamlFile,
  list: 'topics' | 'sources',
  entries: readonly { id: string }[],
  reserved: ReadonlySet<string>,
): Map<string, number> {
  const kind = list === 'topics' ? 'topic' : 'source';
  const lines = new Map<string, number>();
  entries.forEach(({ id }, i) => {
    const path = [list, i, 'id'];
    if (reserved.has(id)) throw yaml.fail(path, `${kind} id "${id}" is reserved`);
    const first = lines.get(id);
    if (first !== undefined) throw yaml.fail(path, `duplicate ${kind} id "${id}" (first at line ${first})`);
    lines.set(id, yaml.lineOf(path));
  });
  return lines;
}

function readSources(yaml: YamlFile, topicIds: ReadonlyMap<string, number>): Source[] {
  const entries: SourceEntry[] = validate(yaml, sourcesFileSchema).sources ?? [];
  uniqueIds(yaml, 'sources', entries, RESERVED_SOURCE_IDS);
  return entries.map((s, i) => {
    const known = (id: string, ...path: (string | number)[]): string => {
      if (topicIds.has(id)) return id;
      throw yaml.fail(['sources', i, ...path], `unknown topic "${id}" (not in ${TOPICS_FILE})`);
    };
    const categoryTopics: Record<string, string[]> = {};
    for (const [category, target] of Object.entries(s.categories)) {
      const ids = Array.isArray(target)
        ? target.map((id, j) => known(id, 'categories', category, j))
        : [known(target, 'categories', category)];
      // Matching is case-insensitive, so `War` and `war` in one file are the same category.
      const key = category.trim().toLowerCase();
      categoryTopics[key] = [...new Set([...(categoryTopics[key] ?? []), ...ids])];
    }
    return {
      id: s.id,
      url: s.url,
      ...(s.title === undefined ? {} : { title: s.title }),
      topics: s.topics.map((id, j) => known(id, 'topics', j)),
      categoryTopics,
      intervalMinutes: s.interval,
      enabled: s.enabled,
      fulltext: s.fulltext,
    };
  });
}

/** Compiles the rules, moving a bad keyword's error to its line in topics.yaml. */
function compileAt(yaml: YamlFile, topics: readonly Topic[]): CompiledTopics {
  try {
    return compileTopics(topics);
  } catch (err) {
    if (!(err instanceof TopicRuleError)) throw err;
    const i = topics.findIndex((t) => t.id === err.topicId);
    throw yaml.fail(['topics', i, err.field, err.index], `topic ${err.topicId}: ${err.reason}`, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Reloading

export interface FeedsWatcher {
  /** Re-reads feeds/ now (main.ts calls it on SIGHUP); reports through onReload or onError. */
  reload(): void;
  /** Resolves once file events are being delivered (edits made before may be missed). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Editors write a file in several steps; one reload after they settle. */
  debounceMs?: number;
}

/**
 * Watches feedsDir for changes to topics.yaml / sources.yaml. A valid edit calls onReload with the
 * new configuration; an invalid one calls onError and the caller keeps running the old one.
 */
export function watchFeedsConfig(
  feedsDir: string,
  onReload: (config: FeedsConfig) => void,
  onError: (err: unknown) => void,
  options: WatchOptions = {},
): FeedsWatcher {
  const debounceMs = options.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;

  const reload = (): void => {
    let config: FeedsConfig;
    try {
      config = loadFeedsConfig(feedsDir);
    } catch (err) {
      onError(err);
      return;
    }
    onReload(config);
  };

  const watcher = watch(feedsDir, { ignoreInitial: true, depth: 0 });
  watcher.on('all', (_event, path) => {
    const name = basename(path);
    if (name !== TOPICS_FILE && name !== SOURCES_FILE) return;
    clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  });
  watcher.on('error', onError);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    reload,
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
