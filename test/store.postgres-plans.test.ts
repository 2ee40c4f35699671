// Topic pages, unions, `since` and cursors on PostgreSQL read index ranges, not whole tables: on a
// 10,000-article store, EXPLAIN (FORMAT JSON) of each page query shows no sequential scan of
// articles or article_topics and no Sort over them. TIDINGS_PRINT_PLANS=1 prints the plans (README).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { ArticleQuery } from '../src/model.ts';
import { COPIES_BY_TOPIC, pageQuery } from '../src/store/postgres/articles.ts';
import { openStore } from '../src/store/store.ts';
import { findPgBin, missingPostgres, startPostgres, type PostgresCluster } from './helpers/postgres.ts';
import { makeArticle } from './store.contract.ts';

const skip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const ARTICLES = 10_000;
const TOPICS = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('PostgreSQL page queries use index scans on a 10,000-article store', skip === undefined ? {} : { skip }, () => {
  let cluster: PostgresCluster;
  let client: pg.Client;
  let url: string;
  before(async () => {
    const started = await startPostgres();
    if (started.kind !== 'ok') throw new Error(started.reason);
    cluster = started;
    url = await cluster.freshDatabase();
    const store = await openStore(url);
    for (let start = 0; start < ARTICLES; start += 1000) {
      await store.upsertArticles(Array.from({ length: 1000 }, (_, i) => {
        const n = start + i;
        const topics = n % 7 === 0 ? [TOPICS[n % 10]!, TOPICS[(n + 3) % 10]!] : [TOPICS[n % 10]!];
        return makeArticle(n, { id: `urn:plan:${n}`, url: `https://e/${n}`, topics, sourceId: `s${n % 20}` });
      }));
    }
    await store.close();
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('ANALYZE');
  });
  after(async () => {
    await client?.end();
    await cluster?.stop();
  });

  const cursor = { published: makeArticle(5000).published, id: 'urn:plan:5000' };
  const cases: [string, ArticleQuery][] = [
    ['one topic', { topics: ['t3'], limit: 50 }],
    ['a union of three topics', { topics: ['t1', 't4', 't7'], limit: 50 }],
    ['everything since a date', { since: makeArticle(9000).published, limit: 50 }],
    ['a topic since a date', { topics: ['t2'], since: makeArticle(9000).published, limit: 50 }],
    ['everything before a cursor', { before: cursor, limit: 50 }],
    ['a union before a cursor', { topics: ['t1', 't4'], before: cursor, limit: 50 }],
    ['a topic after a cursor', { topics: ['t5'], after: cursor, limit: 50 }],
  ];
  for (const [name, query] of cases) {
    test(name, async () => {
      const { sql, params } = pageQuery(query);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const all = nodes(rows[0]!['QUERY PLAN'][0].Plan);
      if (process.env.TIDINGS_PRINT_PLANS) {
        const text = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${sql}`, params);
        process.stdout.write(`\n-- ${name}\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
      }
      const tables = ['articles', 'article_topics'];
      const seqScans = all.filter((n) => n['Node Type'] === 'Seq Scan' && tables.includes(n['Relation Name'] ?? ''));
      assert.deepEqual(seqScans, [], 'no sequential scan of articles or article_topics');
      const scans = all.filter((n) => tables.includes(n['Relation Name'] ?? ''));
      assert.ok(scans.length > 0 && scans.every((n) => /Index/.test(n['Node Type'])), `index scans only: ${scans.map((n) => n['Node Type']).join(', ')}`);
      const sorts = all.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort');
      assert.deepEqual(sorts, [], 'the index gives the order: nothing is sorted');
      // The page comes back right as well (the merge happens in JavaScript).
      const store = await openStore(url);
      const got = await store.queryArticles(query);
      await store.close();
      assert.ok(got.length > 0 && got.length <= 50);
    });
  }

  test('the copies per topic (every page shows the counts) are counted from the copies, not from every topic row', async () => {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${COPIES_BY_TOPIC}`);
    const all = nodes(rows[0]!['QUERY PLAN'][0].Plan);
    const seqScans = all.filter((n) => n['Node Type'] === 'Seq Scan' && ['articles', 'article_topics'].includes(n['Relation Name'] ?? ''));
    assert.deepEqual(seqScans, [], 'no sequential scan of articles or article_topics');
    assert.ok(all.some((n) => n['Index Name'] === 'articles_by_story'), 'the copies come from the partial index on story_id');
  });
});
