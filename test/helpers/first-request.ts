// A one-off query's first request (its page read, versioned and rendered in one step, see
// renderQuery) must answer what the version-then-render path answers: one check, for every backend.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import request from 'supertest';
import type { ArticleStore } from '../../src/store/store.ts';
import { makeArticle } from '../store.contract.ts';
import { startTestApp } from './app.ts';
import { binary } from './binary-body.ts';

/** `open` opens another store on one and the same (empty) database each time it is called. */
export async function assertFirstRequestAnswersAsTwoSteps(t: TestContext, open: () => Promise<ArticleStore>, what: string): Promise<void> {
  const seed = await open();
  await seed.upsertArticles(Array.from({ length: 12 }, (_, i) => makeArticle(i, {
    title: `Kyiv metro line ${i}`,
    contentHtml: `<p>${'The new metro line opens with three stations and a depot. '.repeat(6)}</p>`,
    topics: i % 2 === 0 ? ['ukraine'] : ['europe'],
  })));
  await seed.close();
  // Two apps over one database, so that neither has met the URL before.
  const firstStep = await startTestApp(t, { store: await open() });
  const twoSteps = await startTestApp(t, { store: await open() });
  for (const path of ['/feeds/all.rss?q=metro', '/feeds/ukraine.atom?since=2020-01-01T00:00:00Z', '/feeds/europe.json?q=depot&limit=3', '/feeds/all.atom?q=nothing-matches']) {
    for (const coding of ['br', 'identity']) {
      const case_ = `${path} in ${coding}, ${what}`;
      const one = await request(firstStep.app).get(path).set('Accept-Encoding', coding).buffer(true).parse(binary).expect(200);
      // Validators that match nothing: the version is read first (a 304 was possible), then the page rendered.
      const two = await request(twoSteps.app).get(path).set('Accept-Encoding', coding).set('If-None-Match', '"elsewhere"')
        .buffer(true).parse(binary).expect(200);
      for (const header of ['etag', 'last-modified', 'content-type', 'content-encoding', 'cache-control', 'link']) {
        assert.equal(one.headers[header], two.headers[header], `${case_}: ${header}`);
      }
      assert.ok(one.headers.etag, `${case_}: an ETag`);
      assert.deepEqual(one.body, two.body, `${case_}: the same bytes`);
      // The first answer's validators are the page's: asked again with them, it is a 304.
      await request(firstStep.app).get(path).set('If-None-Match', one.headers.etag!).expect(304);
    }
  }
}
