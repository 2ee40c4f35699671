// Configuration: environment defaults and the message for each bad value; feeds/*.yaml parsed into
// topics and sources, every error pointing at file:line; the bundled feeds/; reloading.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadEnvConfig, loadFeedsConfig, watchFeedsConfig, type FeedsConfig } from '../src/config.ts';
import { TidingsError } from '../src/errors.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function envError(env: NodeJS.ProcessEnv): string {
  try {
    loadEnvConfig(env);
  } catch (err) {
    assert.ok(err instanceof TidingsError);
    assert.equal(err.kind, 'config');
    return err.message;
  }
  assert.fail(`no error for ${JSON.stringify(env)}`);
}

describe('loadEnvConfig', () => {
  it('applies every default to an empty environment', () => {
    assert.deepEqual(loadEnvConfig({}), {
      port: 3000,
      baseUrl: 'http://localhost:3000',
      databaseUrl: 'sqlite:./data/tidings.db',
      databaseOptions: { poolSize: 10, storyWindowHours: 72 },
      feedsDir: './feeds',
      contentDir: './content',
      logLevel: 'info',
      cacheMaxAgeSeconds: 300,
      cacheMaxBytes: 32 * 1024 * 1024,
      corsOrigin: '*',
      websub: true,
      websubAllowPrivateCallbacks: false,
      role: 'all',
      sourceLeaseSeconds: 60,
      ingestMaxItems: 1000,
      trustProxy: false,
      rateLimitMisses: 300,
      rateLimitSearches: 60,
      rateLimitWebsub: 20,
      maxPendingMisses: 64,
      maxPageBytes: 8 * 1024 * 1024,
      siteTitle: 'Tidings',
      siteLanguage: 'uk',
      siteDescription: '',
    });
  });

  it('reads every variable', () => {
    const config = loadEnvConfig({
      PORT: '8080',
      BASE_URL: 'https://news.example.org/tidings/',
      DATABASE_URL: 'postgres://u:p@db/tidings',
      DATABASE_POOL_SIZE: '25',
      PGSSLMODE: 'require',
      FEEDS_DIR: '/etc/tidings/feeds',
      CONTENT_DIR: '/srv/content',
      LOG_LEVEL: 'DEBUG',
      CACHE_MAX_AGE: '0',
      CACHE_MAX_MB: '16',
      CORS_ORIGIN: 'https://a.example, https://b.example',
      USER_AGENT_URL: 'https://news.example.org/about',
      WEBSUB: 'OFF',
      WEBSUB_ALLOW_PRIVATE_CALLBACKS: 'on',
      TIDINGS_ROLE: 'Worker',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      SOURCE_LEASE_SECONDS: '90',
      METRICS_PORT: '9100',
      POLL_INTERVAL_SECONDS: '15',
      INGEST_WORKERS: '3',
      INGEST_MAX_ITEMS: '200',
      STORY_WINDOW_HOURS: '24',
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_MISSES: '100',
      RATE_LIMIT_SEARCHES: '10',
      RATE_LIMIT_WEBSUB: '5',
      MAX_PENDING_MISSES: '32',
      MAX_PAGE_MB: '4',
      SITE_TITLE: 'Новини',
      SITE_LANGUAGE: 'en',
      SITE_DESCRIPTION: '  Новини за темами. ',
      SITE_ICON: '/etc/tidings/icon.png',
      UNRELATED: 'ignored',
    });
    assert.deepEqual(config, {
      port: 8080,
      baseUrl: 'https://news.example.org/tidings',
      databaseUrl: 'postgres://u:p@db/tidings',
      databaseOptions: { poolSize: 25, sslMode: 'require', storyWindowHours: 24 },
      feedsDir: '/etc/tidings/feeds',
      contentDir: '/srv/content',
      logLevel: 'debug',
      cacheMaxAgeSeconds: 0,
      cacheMaxBytes: 16 * 1024 * 1024,
      corsOrigin: 'https://a.example, https://b.example',
      userAgentUrl: 'https://news.example.org/about',
      websub: false,
      websubAllowPrivateCallbacks: true,
      role: 'worker',
      adminToken: 'a-long-enough-admin-token',
      sourceLeaseSeconds: 90,
      metricsPort: 9100,
      pollIntervalSeconds: 15,
      ingestWorkers: 3,
      ingestMaxItems: 200,
      trustProxy: 'loopback',
      rateLimitMisses: 100,
      rateLimitSearches: 10,
      rateLimitWebsub: 5,
      maxPendingMisses: 32,
      maxPageBytes: 4 * 1024 * 1024,
      siteTitle: 'Новини',
      siteLanguage: 'en',
      siteDescription: 'Новини за темами.',
      siteIcon: '/etc/tidings/icon.png',
    });
  });

  it('names a bad process role, and never echoes the admin token', () => {
    assert.match(envError({ TIDINGS_ROLE: 'scheduler' }), /^config: TIDINGS_ROLE: expected one of web, worker, all, got "scheduler"$/);
    const message = envError({ ADMIN_TOKEN: 'short-secret' });
    assert.match(message, /^config: ADMIN_TOKEN: expected at least 16 characters/);
    assert.doesNotMatch(message, /short-secret/);
  });

  it('derives the default base URL from PORT', () => {
    assert.equal(loadEnvConfig({ PORT: '4000' }).baseUrl, 'http://localhost:4000');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadEnvConfig({ PORT: '', LOG_LEVEL: '' }).port, 3000);
  });

  it('names the variable, the expectation and the value for each bad value', () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [{ PORT: 'abc' }, 'config: PORT: expected an integer 1–65535, got "abc"'],
      [{ CACHE_MAX_MB: '0' }, 'config: CACHE_MAX_MB: expected an integer 1–65536, got "0"'],
      [{ PORT: '0' }, 'config: PORT: expected an integer 1–65535, got "0"'],
      [{ PORT: '65536' }, 'config: PORT: expected an integer 1–65535, got "65536"'],
      [{ PORT: '80.5' }, 'config: PORT: expected an integer 1–65535, got "80.5"'],
      [{ BASE_URL: 'ftp://example.org' }, 'config: BASE_URL: expected an absolute http(s) URL, got "ftp://example.org"'],
      [{ BASE_URL: 'example.org' }, 'config: BASE_URL: expected an absolute http(s) URL, got "example.org"'],
      [{ BASE_URL: 'https://x.org/?a=1' }, 'config: BASE_URL: expected a URL without query or fragment, got "https://x.org/?a=1"'],
      [{ DATABASE_URL: 'mysql://db' }, 'config: DATABASE_URL: expected sqlite:<path> or postgres://…, got "mysql://db"'],
      [{ DATABASE_POOL_SIZE: '0' }, 'config: DATABASE_POOL_SIZE: expected an integer 1–1000, got "0"'],
      [{ INGEST_WORKERS: '0' }, 'config: INGEST_WORKERS: expected an integer 1–64, got "0"'],
      [{ INGEST_MAX_ITEMS: 'all' }, 'config: INGEST_MAX_ITEMS: expected an integer 1–100000, got "all"'],
      [{ STORY_WINDOW_HOURS: '-1' }, 'config: STORY_WINDOW_HOURS: expected an integer 0–8760, got "-1"'],
      [
        { LOG_LEVEL: 'verbose' },
        'config: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
      ],
      [{ CACHE_MAX_AGE: '-5' }, 'config: CACHE_MAX_AGE: expected an integer 0–31536000, got "-5"'],
      [{ CACHE_MAX_AGE: '5m' }, 'config: CACHE_MAX_AGE: expected an integer 0–31536000, got "5m"'],
      [
        { CORS_ORIGIN: 'https://a.example/path' },
        'config: CORS_ORIGIN: expected * or a comma-separated list of origins like https://example.org, got "https://a.example/path"',
      ],
      [{ USER_AGENT_URL: 'mailto:me@example.org' }, 'config: USER_AGENT_URL: expected an absolute http(s) URL, got "mailto:me@example.org"'],
      [{ WEBSUB: 'yes' }, 'config: WEBSUB: expected on or off, got "yes"'],
      [{ SITE_ICON: '/etc/tidings/icon.svg' }, 'config: SITE_ICON: expected the path of a .png file, got "/etc/tidings/icon.svg"'],
      [{ SITE_DESCRIPTION: 'x'.repeat(501) }, `config: SITE_DESCRIPTION: expected at most 500 characters, got "${'x'.repeat(501)}"`],
    ];
    for (const [env, message] of cases) assert.equal(envError(env), message);
  });
});

describe('loadFeedsConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-feeds-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, lines: string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  /** Asserts loading fails at file:line with a reason matching the pattern. */
  const failsAt = (file: string, line: number, reason: RegExp): void => {
    assert.throws(
      () => loadFeedsConfig(dir),
      (err: unknown) => {
        assert.ok(err instanceof TidingsError, String(err));
        assert.equal(err.kind, 'config');
        assert.equal(err.where, `${join(dir, file)}:${line}`, err.message);
        assert.match(err.message, reason);
        return true;
      },
    );
  };

  const twoTopics = [
    'topics:', //                        1
    '  - id: ukraine', //                2
    '    title: Ukraine', //             3
    '    keywords: [Україна, Kyiv]', //  4
    '  - id: defense', //                5
    '    title: Defense', //             6
    '    description: War and arms', //  7
    '    categories: [Military]', //     8
  ];

  it('reads topics and sources with their defaults', () => {
    write('topics.yaml', twoTopics);
    write('sources.yaml', [
      'sources:',
      '  - id: kyiv-independent',
      '    url: https://kyivindependent.com/rss/',
      '    title: The Kyiv Independent',
      '    topics: [ukraine]',
      '    categories:',
      '      War: [defense, ukraine]',
      '      Kyiv: ukraine',
      '    interval: 2h',
      '  - id: quiet',
      '    url: http://example.org/feed.xml',
      '    interval: 1h30m',
      '    enabled: false',
      '    fulltext: true',
      '  - id: plain',
      '    url: https://example.org/atom',
    ]);
    const config = loadFeedsConfig(dir);
    assert.deepEqual(config.topics, [
      {
        id: 'ukraine',
        title: 'Ukraine',
        description: '',
        rules: { keywords: ['Україна', 'Kyiv'], categories: [], sources: [] },
      },
      {
        id: 'defense',
        title: 'Defense',
        description: 'War and arms',
        rules: { keywords: [], categories: ['Military'], sources: [] },
      },
    ]);
    assert.deepEqual(config.sources, [
      {
        id: 'kyiv-independent',
        url: 'https://kyivindependent.com/rss/',
        title: 'The Kyiv Independent',
        topics: ['ukraine'],
        categoryTopics: { war: ['defense', 'ukraine'], kyiv: ['ukraine'] },
        intervalMinutes: 120,
        enabled: true,
        fulltext: false,
      },
      { id: 'quiet', url: 'http://example.org/feed.xml', topics: [], categoryTopics: {}, intervalMinutes: 90, enabled: false, fulltext: true },
      { id: 'plain', url: 'https://example.org/atom', topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true, fulltext: false },
    ]);
    assert.deepEqual(
      config.compiled.topics.map((t) => t.id),
      ['ukraine', 'defense'],
    );
  });

  it('accepts intervals as minutes, "45m" and "45"', () => {
    write('topics.yaml', twoTopics);
    write('sources.yaml', [
      'sources:',
      '  - { id: a, url: "https://a.example/", interval: 1 }',
      '  - { id: b, url: "https://b.example/", interval: 45m }',
      '  - { id: c, url: "https://c.example/", interval: "45" }',
    ]);
    assert.deepEqual(
      loadFeedsConfig(dir).sources.map((s) => s.intervalMinutes),
      [1, 45, 45],
    );
  });

  it('reads a missing sources.yaml as no sources, and an empty list too', () => {
    write('topics.yaml', twoTopics);
    assert.deepEqual(loadFeedsConfig(dir).sources, []);
    write('sources.yaml', ['sources: []']);
    assert.deepEqual(loadFeedsConfig(dir).sources, []);
  });

  it('requires topics.yaml', () => {
    assert.throws(() => loadFeedsConfig(dir), (err: unknown) => {
      assert.ok(err instanceof TidingsError);
      assert.equal(err.where, join(dir, 'topics.yaml'));
      assert.match(err.message, /cannot read/);
      return true;
    });
  });

  it('rejects a duplicate topic id at the second one, naming the first', () => {
    write('topics.yaml', [...twoTopics, '  - id: ukraine', '    title: Again']);
    failsAt('topics.yaml', 9, /topics\[2\]\.id: duplicate topic id "ukraine" \(first at line 2\)/);
  });

  it('rejects the reserved topic id all, and ids that are not lowercase', () => {
    write('topics.yaml', ['topics:', '  - id: all', '    title: Everything']);
    failsAt('topics.yaml', 2, /reserved/);
    write('topics.yaml', ['topics:', '  - id: ok', '    title: OK', '  - id: Ukraine', '    title: U']);
    failsAt('topics.yaml', 4, /topics\[1\]\.id: expected an id of lowercase letters, digits and dashes, got "Ukraine"/);
  });

  it('rejects an uncompilable keyword at its own line', () => {
    write('topics.yaml', [
      'topics:',
      '  - id: defense',
      '    title: Defense',
      '    keywords:',
      '      - ППО',
      '      - "=war*"',
    ]);
    failsAt('topics.yaml', 6, /topics\[0\]\.keywords\[1\]: topic defense: keyword "=war\*"/);
  });

  it('reads a title and description per language, or one string for all', () => {
    write('topics.yaml', [
      'topics:',
      '  - id: ukraine',
      '    title: {uk: Україна, en: Ukraine}',
      '    description:',
      '      en: News from Ukraine',
      '      uk: Новини з України',
      '  - id: defense',
      '    title: { en: Defense }',
      '    description: War and arms',
    ]);
    const [ukraine, defense] = loadFeedsConfig(dir).topics;
    // Feeds use the language written first; pages pick theirs from the map.
    assert.equal(ukraine?.title, 'Україна');
    assert.deepEqual(ukraine?.titles, { uk: 'Україна', en: 'Ukraine' });
    assert.equal(ukraine?.description, 'News from Ukraine');
    assert.deepEqual(ukraine?.descriptions, { en: 'News from Ukraine', uk: 'Новини з України' });
    assert.equal(defense?.title, 'Defense');
    assert.deepEqual(defense?.titles, { en: 'Defense' });
    assert.equal(defense?.description, 'War and arms');
    assert.equal(defense?.descriptions, undefined);
  });

  it('rejects a bad per-language title or description at its line, naming the topic and the field', () => {
    const topics = (...lines: string[]) => write('topics.yaml', ['topics:', '  - id: a', '    title: A', '  - id: europe', ...lines]);
    topics('    title:', '      uk: Європа', '      de: Europa');
    failsAt('topics.yaml', 7, /topics\[1\]\.title\.de: topic europe: unknown language "de" \(expected uk or en\)/);
    topics('    title: {uk: Європа, en: ""}');
    failsAt('topics.yaml', 5, /topics\[1\]\.title\.en: topic europe: expected a non-empty title/);
    topics('    title: {}');
    failsAt('topics.yaml', 5, /topics\[1\]\.title: topic europe: expected at least one language \(uk, en\)/);
    topics('    title: Europe', '    description: {uk: [a, b]}');
    failsAt('topics.yaml', 6, /topics\[1\]\.description\.uk: topic europe: expected a string, got \["a","b"\]/);
    topics('    title: 42');
    failsAt('topics.yaml', 5, /topics\[1\]\.title: expected a string, or a map of languages \(uk, en\) to strings, got 42/);
    topics('    title: "  "');
    failsAt('topics.yaml', 5, /topics\[1\]\.title: topic europe: expected a non-empty title/);
  });

  it('reads a topic\'s `stories: off` (true/false too), and rejects any other value at its line', () => {
    write('topics.yaml', [...twoTopics, '    stories: off', '  - id: economy', '    title: Economy', '    stories: on']);
    const { topics } = loadFeedsConfig(dir);
    assert.deepEqual(topics.map((t) => [t.id, t.stories]), [['ukraine', undefined], ['defense', 'separate'], ['economy', undefined]]);
    write('topics.yaml', [...twoTopics, '    stories: false']);
    assert.equal(loadFeedsConfig(dir).topics[1]!.stories, 'separate');
    write('topics.yaml', [...twoTopics, '    stories: separate']);
    failsAt('topics.yaml', 9, /topics\[1\]\.stories: expected "on" or "off", got "separate"/);
  });

  it('rejects a missing title at the topic, and an unknown key at the key', () => {
    write('topics.yaml', ['topics:', '  - id: a', '    title: A', '  - id: b', '    description: no title']);
    failsAt('topics.yaml', 4, /topics\[1\]\.title: missing/);
    write('topics.yaml', ['topics:', '  - id: a', '    title: A', '    keyword: [typo]']);
    failsAt('topics.yaml', 4, /unknown key "keyword"/);
  });

  it('reports YAML syntax errors with their line', () => {
    write('topics.yaml', ['topics:', '  - id: a', '    title: A', '    keywords: [unclosed', '  - id: b']);
    assert.throws(() => loadFeedsConfig(dir), (err: unknown) => {
      assert.ok(err instanceof TidingsError);
      assert.match(err.where, /topics\.yaml:\d+$/);
      assert.match(err.message, /invalid YAML/);
      return true;
    });
  });

  it('rejects a source that names an unknown topic, at that entry', () => {
    write('topics.yaml', twoTopics);
    write('sources.yaml', [
      'sources:', //                          1
      '  - id: s1', //                        2
      '    url: https://example.org/rss', //  3
      '    topics:', //                       4
      '      - ukraine', //                   5
      '      - sport', //                     6
    ]);
    failsAt('sources.yaml', 6, /sources\[0\]\.topics\[1\]: unknown topic "sport"/);
  });

  it('rejects an unknown topic in a category mapping', () => {
    write('topics.yaml', twoTopics);
    write('sources.yaml', [
      'sources:',
      '  - id: s1',
      '    url: https://example.org/rss',
      '    categories:',
      '      War: defense',
      '      Sport: sport',
    ]);
    failsAt('sources.yaml', 6, /sources\[0\]\.categories\.Sport: unknown topic "sport"/);
  });

  it('rejects duplicate source ids, the reserved id local, bad URLs and short intervals', () => {
    write('topics.yaml', twoTopics);
    const cases: [string[], number, RegExp][] = [
      [['sources:', '  - id: a', '    url: https://a.example/', '  - id: a', '    url: https://b.example/'], 4, /duplicate source id "a" \(first at line 2\)/],
      [['sources:', '  - id: local', '    url: https://a.example/'], 2, /source id "local" is reserved/],
      [['sources:', '  - id: a', '    url: ftp://a.example/feed'], 3, /url: expected an absolute http\(s\) URL, got "ftp:\/\/a.example\/feed"/],
      [['sources:', '  - id: a', '    url: not a url'], 3, /expected an absolute http\(s\) URL/],
      [['sources:', '  - id: a', '    url: https://a.example/', '    interval: 0'], 4, /interval: expected an interval of at least 1 minute/],
      [['sources:', '  - id: a', '    url: https://a.example/', '    interval: 30s'], 4, /at least 1 minute/],
      [['sources:', '  - id: a', '    url: https://a.example/', '    interval: 0.5'], 4, /at least 1 minute/],
      [['sources:', '  - id: a', '    title: no url'], 2, /sources\[0\]\.url: missing/],
      [['sources:', '  - id: a', '    url: https://a.example/', '    enabled: maybe'], 4, /enabled/],
    ];
    for (const [lines, line, reason] of cases) {
      write('sources.yaml', lines);
      failsAt('sources.yaml', line, reason);
    }
  });

  it('rejects a topic rule naming an unknown source', () => {
    write('topics.yaml', ['topics:', '  - id: a', '    title: A', '    sources: [nowhere]']);
    failsAt('topics.yaml', 4, /topics\[0\]\.sources\[0\]: unknown source "nowhere"/);
  });

  it('loads the bundled feeds/: ten topics, no sources', () => {
    const config = loadFeedsConfig(join(root, 'feeds'));
    assert.deepEqual(
      config.topics.map((t) => t.id),
      ['ukraine', 'europe', 'diplomacy', 'defense', 'politics', 'economy', 'technology', 'science', 'climate', 'culture'],
    );
    assert.deepEqual(config.sources, []);
    for (const t of config.topics) assert.ok(t.rules.keywords.length >= 20, `${t.id} has few keywords`);
  });
});

describe('watchFeedsConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidings-watch-'));
    writeFileSync(join(dir, 'topics.yaml'), 'topics:\n  - id: a\n    title: A\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reload() reports a bad edit through onError and a good one through onReload', async () => {
    const reloaded: FeedsConfig[] = [];
    const errors: unknown[] = [];
    const watcher = watchFeedsConfig(dir, (c) => reloaded.push(c), (e) => errors.push(e));
    try {
      writeFileSync(join(dir, 'topics.yaml'), 'topics:\n  - id: all\n    title: A\n');
      watcher.reload();
      assert.equal(reloaded.length, 0);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof TidingsError);

      writeFileSync(join(dir, 'topics.yaml'), 'topics:\n  - id: b\n    title: B\n');
      watcher.reload();
      assert.equal(reloaded.at(-1)?.topics[0]?.id, 'b');
    } finally {
      await watcher.close();
    }
  });

  it('reloads when topics.yaml changes on disk', { timeout: 10_000 }, async () => {
    let resolve: (c: FeedsConfig) => void = () => {};
    const next = new Promise<FeedsConfig>((r) => {
      resolve = r;
    });
    const watcher = watchFeedsConfig(dir, (c) => resolve(c), (e) => assert.fail(String(e)), { debounceMs: 20 });
    try {
      await watcher.ready;
      writeFileSync(join(dir, 'topics.yaml'), 'topics:\n  - id: changed\n    title: C\n');
      const config = await next;
      assert.equal(config.topics[0]?.id, 'changed');
    } finally {
      await watcher.close();
    }
  });
});

