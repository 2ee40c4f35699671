// Dates as real-world feeds write them (the forms feedparser's date handlers read), and what happens
// to an item whose date cannot be read: it keeps the time it was first seen, across re-polls.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDate } from '../src/normalize/dates.ts';
import { normalizeItem, type NormalizeContext } from '../src/normalize/normalize.ts';
import { openStore } from '../src/store/store.ts';
import type { ParsedItem } from '../src/parse/types.ts';

function reads(cases: Array<[string, string]>): void {
  for (const [input, expected] of cases) assert.equal(parseDate(input)?.toISOString(), expected, input);
}

test('RFC 822 with named zones beyond RFC 822’s own, GMT±h, Etc/ and a trailing comment', () => {
  reads([
    ['Tue, 06 Jan 2026 10:00:00 EEST', '2026-01-06T07:00:00.000Z'], // UTC+3
    ['Tue, 06 Jan 2026 10:00:00 EET', '2026-01-06T08:00:00.000Z'], // UTC+2
    ['Tue, 06 Jan 2026 10:00:00 MET', '2026-01-06T09:00:00.000Z'], // UTC+1
    ['Tue, 06 Jan 2026 10:00:00 CEST', '2026-01-06T08:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 MSK', '2026-01-06T07:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 JST', '2026-01-06T01:00:00.000Z'], // UTC+9
    ['Tue, 06 Jan 2026 10:00:00 AEST', '2026-01-06T00:00:00.000Z'], // UTC+10
    ['Tue, 06 Jan 2026 10:00:00 GMT+2', '2026-01-06T08:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 Etc/GMT', '2026-01-06T10:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 +0300 (EEST)', '2026-01-06T07:00:00.000Z'],
    ['Fri,24 Nov 2023 18:28:36 -0000', '2023-11-24T18:28:36.000Z'], // no space after the comma
    ['Tue, 06 Jan 2026', '2026-01-06T00:00:00.000Z'], // no time: midnight UTC
    ['Jan 06, 2026', '2026-01-06T00:00:00.000Z'], // month first
    ['January 6th, 2026 10:00 PM', '2026-01-06T22:00:00.000Z'],
  ]);
  assert.equal(parseDate('Tue, 06 Jan 2026 10:00:00 J'), undefined, 'J is no zone');
  assert.equal(parseDate('Tue, 06 Jan 2026 10:00:00 XYZT'), undefined, 'an unknown zone is not guessed');
});

test('asctime and Perforce forms', () => {
  reads([
    ['Sun Jan  4 16:29:06 2004', '2004-01-04T16:29:06.000Z'],
    ['Sun Jan  4 16:29:06 PST 2004', '2004-01-05T00:29:06.000Z'],
    ['Fri, 2006/09/15 08:19:53 EDT', '2006-09-15T12:19:53.000Z'],
  ]);
});

test('ISO 8601 / W3C-DTF variants: basic format, week and ordinal dates, no T, no seconds, comma fractions', () => {
  reads([
    ['20040105T101010Z', '2004-01-05T10:10:10.000Z'],
    ['20040105', '2004-01-05T00:00:00.000Z'],
    ['2004-W02-1', '2004-01-05T00:00:00.000Z'], // Monday of ISO week 2 of 2004
    ['2004W021T10:00Z', '2004-01-05T10:00:00.000Z'],
    ['2004-005', '2004-01-05T00:00:00.000Z'], // day 5 of the year
    ['2026-01-06 10:00', '2026-01-06T10:00:00.000Z'],
    ['2026-01-06T10:00:00,5+03:00', '2026-01-06T07:00:00.500Z'],
    ['2026-01-06T10Z', '2026-01-06T10:00:00.000Z'],
    ['2026-01-06 10:00:00 EEST', '2026-01-06T07:00:00.000Z'],
    ['2026-1-6T10:00:00+0300', '2026-01-06T07:00:00.000Z'],
  ]);
  assert.equal(parseDate('0099-01-01T00:00:00Z')?.toISOString(), '0099-01-01T00:00:00.000Z', 'not 1999');
  assert.equal(parseDate('2026-01-06T24:00:00Z')?.toISOString(), '2026-01-07T00:00:00.000Z', '24:00 ends the day');
  assert.equal(parseDate('2004-W54-1'), undefined);
  assert.equal(parseDate('2026-02-30'), undefined);
});

test('the dates feedparser’s own tests read, with the instants they expect', () => {
  reads([
    ['Thu, 30 Apr 2015 08:57:00 MEST', '2015-04-30T06:57:00.000Z'],
    ['Thu, 01 Jan 0100 00:00:01 +0100', '0099-12-31T23:00:01.000Z'],
    ['Thu, 01 Jan 04 19:48:21 GMT', '2004-01-01T19:48:21.000Z'],
    ['Wed, 19 Feb 2012 22:40:00 GMT-01:01', '2012-02-19T23:41:00.000Z'],
    ['Mon, 13 Feb, 2012 06:28:00 UTC', '2012-02-13T06:28:00.000Z'],
    ['Mon, 26 January 2004 16:31:00 AT', '2004-01-26T20:31:00.000Z'],
    ['Mon, 26 January 2004 16:31:00 PT', '2004-01-27T00:31:00.000Z'],
    ['Thu Aug 30 2012 17:26:16 +0200', '2012-08-30T15:26:16.000Z'],
    ['Sun Jul 15 01:16:00 +0000 2012', '2012-07-15T01:16:00.000Z'],
    ['2003-012-31T10:14:55+00:00', '2003-12-31T10:14:55.000Z'],
    ['2004-02-28T18:14:55-08:00', '2004-02-29T02:14:55.000Z'],
    ['2004-07-08 23:56:58 -00:20', '2004-07-09T00:16:58.000Z'],
    ['2004-07-08 23:56:58.0', '2004-07-08T23:56:58.000Z'],
  ]);
  for (const bad of [
    'Sun, 31 Dec 9999 23:59:59 -9999', 'Sun, 16 Dec 2012 1:2:3:4 GMT', 'Sun, 16 zzz 2012 11:47:32 GMT',
    'Sun, Dec x 2012 11:47:32 GMT', 'Sun, 16 Dec 2012 11:47:32 +zz:00', 'Sun, 99 Jun 2009 12:00:00 GMT',
    '9999-12-31T23:59:59-99:99', '2003-12-31T25:14:55Z', '2003-12-31T10:61:55Z', '22013', '013',
    '2013-01-27-01', '2013-01-28T11:30:00-06:00Textra', '2013-xx-27', '2013-01-28T09:xx:00Z',
  ]) {
    assert.equal(parseDate(bad), undefined, bad);
  }
});

test('Greek, Hungarian and Korean forms (feedparser’s)', () => {
  reads([
    ['Κυρ, 11 Ιούλ 2004 12:00:00 EST', '2004-07-11T17:00:00.000Z'],
    ['2004-július-13T9:15-05:00', '2004-07-13T14:15:00.000Z'],
    ['2004년 05월 28일  01:31:15', '2004-05-27T16:31:15.000Z'], // OnBlog: KST, UTC+9
    ['2004-05-25 오후 11:23:17', '2004-05-25T14:23:17.000Z'], // Nate: 오후 = p.m., KST
  ]);
});

test('month and weekday names in Ukrainian, Russian, German, French, Spanish, Italian, Polish', () => {
  reads([
    ['5 грудня 2026, 10:00', '2026-12-05T10:00:00.000Z'],
    ['Сб, 05 гру 2026 10:00:00 +0200', '2026-12-05T08:00:00.000Z'],
    ['5 декабря 2026 г. 10:00', '2026-12-05T10:00:00.000Z'],
    ['Mi, 05 Dez 2026 10:00:00 +0100', '2026-12-05T09:00:00.000Z'],
    ['5. März 2026 10:00', '2026-03-05T10:00:00.000Z'],
    ['mer. 5 déc. 2026 10:00', '2026-12-05T10:00:00.000Z'],
    ['mar 05 janv 2026', '2026-01-05T00:00:00.000Z'], // "mar" here is Tuesday, not March
    ['5 de diciembre de 2026 10:00', '2026-12-05T10:00:00.000Z'],
    ['5 settembre 2026', '2026-09-05T00:00:00.000Z'],
    ['5 października 2026 10:00', '2026-10-05T10:00:00.000Z'],
    ['05.12.2026 10:00', '2026-12-05T10:00:00.000Z'],
  ]);
  assert.equal(parseDate('yesterday'), undefined);
  assert.equal(parseDate('5 foo 2026'), undefined);
});

const NOW = new Date('2026-01-10T12:00:00Z');
const ctx = (now: Date): NormalizeContext => ({ sourceId: 'news', feedUrl: 'https://news.example/feed', now, baseUrl: 'https://t.example', log: () => undefined });
const undated = (published?: string): ParsedItem => ({
  guid: 'https://news.example/a', title: 'A', contentHtml: '<p>a</p>', authors: [], categories: [], enclosures: [],
  ...(published ? { published } : {}),
});

test('an unreadable date becomes the first-seen time and is marked unknown, not passed off as read', () => {
  const a = normalizeItem(undated('the day before yesterday'), ctx(NOW));
  assert.equal(a.published.getTime(), NOW.getTime());
  assert.equal(a.datesUnknown, true);
  const dated = normalizeItem(undated('Tue, 06 Jan 2026 10:00:00 EEST'), ctx(NOW));
  assert.equal(dated.datesUnknown, undefined);
  assert.equal(dated.published.toISOString(), '2026-01-06T07:00:00.000Z');
});

test('re-polling an item without a readable date keeps its first-seen dates in the store', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    await store.upsertArticles([normalizeItem(undated('garbage'), ctx(NOW))]);
    const later = new Date(NOW.getTime() + 3 * 3600_000);
    const result = await store.upsertArticles([normalizeItem(undated('garbage'), ctx(later))]);
    assert.equal(result.updated, 0, 'nothing changed: the item is not new again');
    const stored = await store.getArticle('https://news.example/a');
    assert.equal(stored?.published.getTime(), NOW.getTime());
    assert.equal(stored?.updated.getTime(), NOW.getTime());
  } finally {
    await store.close();
  }
});
