// The routes' per-revision memo of resolved URLs: repeat URLs keep their entry, a stream of one-off
// queries (distinct `q`, `since`) stays within a small bound of its own and never evicts them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestMemo } from '../src/http/cached.ts';
import type { Catalog } from '../src/http/deps.ts';

interface Entry {
  url: string;
  oneOff: boolean;
  minute?: number;
}

const catalog: Catalog = { topics: [], sources: [] };
const REVISION = 7;
const MINUTE = 100;

function memoWith(...entries: Entry[]): RequestMemo<Entry> {
  const memo = new RequestMemo<Entry>();
  memo.get(REVISION, catalog, '/', MINUTE); // the first call of a revision starts its memo
  for (const e of entries) memo.set(e.url, e);
  return memo;
}

test('a repeat URL keeps its entry through any number of one-off queries', () => {
  const poll: Entry = { url: '/feeds/world.rss', oneOff: false };
  const memo = memoWith(poll);
  for (let i = 0; i <= RequestMemo.MAX_ENTRIES; i++) memo.set(`/feeds/world.rss?q=w${i}`, { url: `q${i}`, oneOff: true });
  assert.equal(memo.get(REVISION, catalog, '/feeds/world.rss', MINUTE), poll);
});

test('one-off queries are remembered up to their own bound, then forgotten', () => {
  const memo = memoWith();
  const first: Entry = { url: '/feeds/world.rss?q=first', oneOff: true };
  memo.set(first.url, first);
  assert.equal(memo.get(REVISION, catalog, first.url, MINUTE), first, 'a reload right after is answered from the memo');
  for (let i = 0; i < RequestMemo.MAX_ONE_OFFS; i++) memo.set(`/feeds/world.rss?q=w${i}`, { url: `q${i}`, oneOff: true });
  assert.equal(memo.get(REVISION, catalog, first.url, MINUTE), undefined);
});

test('repeat URLs have the large bound', () => {
  const memo = memoWith();
  for (let i = 0; i < RequestMemo.MAX_ENTRIES; i++) memo.set(`/feeds/t${i}.rss`, { url: `t${i}`, oneOff: false });
  assert.equal(memo.get(REVISION, catalog, '/feeds/t0.rss', MINUTE)?.url, 't0');
  assert.equal(memo.get(REVISION, catalog, `/feeds/t${RequestMemo.MAX_ENTRIES - 1}.rss`, MINUTE)?.url, `t${RequestMemo.MAX_ENTRIES - 1}`);
});

test('a new store revision or catalog forgets both kinds', () => {
  const memo = memoWith({ url: '/a', oneOff: false }, { url: '/b', oneOff: true });
  assert.equal(memo.get(REVISION + 1, catalog, '/a', MINUTE), undefined);
  memo.set('/a', { url: '/a', oneOff: false });
  memo.set('/b', { url: '/b', oneOff: true });
  const reloaded: Catalog = { topics: [], sources: [] };
  assert.equal(memo.get(REVISION + 1, reloaded, '/a', MINUTE), undefined);
  assert.equal(memo.get(REVISION + 1, reloaded, '/b', MINUTE), undefined);
});

test('an entry that depends on the clock holds within its minute only', () => {
  const memo = memoWith({ url: '/feeds/world.rss?since=24h', oneOff: true, minute: MINUTE });
  assert.equal(memo.get(REVISION, catalog, '/feeds/world.rss?since=24h', MINUTE)?.minute, MINUTE);
  assert.equal(memo.get(REVISION, catalog, '/feeds/world.rss?since=24h', MINUTE + 1), undefined);
});
