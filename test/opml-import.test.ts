// OPML import: nested outlines are found, sources.yaml keeps its comments, duplicates and non-http
// URLs are skipped with a reason, and the CLI validates what it writes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { addSources, parseOpml } from '../src/sources/opml-import.ts';
import { entryArgs } from './helpers/server-process.ts';

const OPML = `<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline text="Українська правда" type="rss" xmlUrl="https://www.pravda.com.ua/rss/"/>
    <outline text="Regional">
      <outline title="Kyiv &amp; Region" text="ignored when title is set" type="rss" xmlUrl="https://kyiv.example/feed.xml"/>
    </outline>
  </outline>
  <outline text="Podcast" type="rss" xmlUrl="https://existing.example/feed"/>
  <outline text="Mail" xmlUrl="mailto:someone@example.org"/>
  <outline text="Just a link" htmlUrl="https://example.org/"/>
</body></opml>`;

const SOURCES = `# Sources Tidings polls.
sources:
  # An existing one, with its comment.
  - id: existing
    url: https://existing.example/feed
`;

test('parseOpml finds every feed in nested outlines, with its folders', async () => {
  const feeds = await parseOpml(OPML, 'my.opml');
  assert.deepEqual(feeds.map((f) => [f.url, f.title, f.folders]), [
    ['https://www.pravda.com.ua/rss/', 'Українська правда', ['News']],
    ['https://kyiv.example/feed.xml', 'Kyiv & Region', ['News', 'Regional']],
    ['https://existing.example/feed', 'Podcast', []],
    ['mailto:someone@example.org', 'Mail', []],
  ]);
  await assert.rejects(parseOpml('<opml><body><outline', 'bad.opml'), /^TidingsError: parse: bad\.opml: invalid OPML/);
  await assert.rejects(parseOpml('<html/>', 'page.html'), /not OPML/);
});

test('addSources appends new feeds with transliterated ids, keeps comments, and skips with reasons', async () => {
  const report = addSources(SOURCES, await parseOpml(OPML, 'my.opml'));
  assert.deepEqual(report.added, [
    { id: 'ukrainska-pravda', url: 'https://www.pravda.com.ua/rss/' },
    { id: 'kyiv-region', url: 'https://kyiv.example/feed.xml' },
  ]);
  assert.deepEqual(report.skipped, [
    { url: 'https://existing.example/feed', reason: 'already a source' },
    { url: 'mailto:someone@example.org', reason: 'not an http(s) URL' },
  ]);
  assert.match(report.yaml, /# An existing one, with its comment\./);
  const parsed = parse(report.yaml) as { sources: { id: string; url: string; title?: string }[] };
  assert.deepEqual(parsed.sources.map((s) => s.id), ['existing', 'ukrainska-pravda', 'kyiv-region']);
  assert.equal(parsed.sources[1]?.title, 'Українська правда');
  assert.deepEqual(addSources(report.yaml, await parseOpml(OPML, 'my.opml')).added, [], 'a second import adds nothing');
});

test('addSources starts a file from nothing and never reuses an id', () => {
  const report = addSources('sources: []\n', [
    { url: 'https://a.example/1', title: 'Same', folders: [] },
    { url: 'https://a.example/2', title: 'Same', folders: [] },
    { url: 'https://b.example/rss', folders: [] },
  ]);
  assert.deepEqual(report.added.map((a) => a.id), ['same', 'same-2', 'b-example']);
});

test('the import-opml CLI writes a valid sources.yaml and reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-opml-'));
  try {
    writeFileSync(join(dir, 'topics.yaml'), 'topics:\n  - id: news\n    title: News\n');
    writeFileSync(join(dir, 'sources.yaml'), SOURCES);
    writeFileSync(join(dir, 'feeds.opml'), OPML);
    const run = spawnSync(process.execPath, [...entryArgs('src/cli/import-opml.ts'), join(dir, 'feeds.opml')], {
      env: { ...process.env, FEEDS_DIR: dir }, encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^added   ukrainska-pravda  https:\/\/www\.pravda\.com\.ua\/rss\/$/m);
    assert.match(run.stdout, /^skipped mailto:someone@example\.org  \(not an http\(s\) URL\)$/m);
    assert.match(run.stdout, /2 added, 2 skipped/);
    assert.match(readFileSync(join(dir, 'sources.yaml'), 'utf8'), /id: kyiv-region/);
    const missing = spawnSync(process.execPath, [...entryArgs('src/cli/import-opml.ts'), join(dir, 'nope.opml')], {
      env: { ...process.env, FEEDS_DIR: dir }, encoding: 'utf8',
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.opml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
