// WebSub across processes (issue 9): two hubs on one store — as two worker processes would be — deliver
// each change exactly once, and a restarted hub neither repeats a delivery nor loses a change made
// while it was down. On a SQLite file, and on a real PostgreSQL cluster started for this file.

import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgBin, missingPostgres, startPostgres, type PostgresCluster } from './helpers/postgres.ts';
import { BOUNDED, eventually, publish, startHubApp, startSubscriber, subscribed } from './helpers/websub.ts';
import { makeArticle } from './store.contract.ts';

function sqliteFile(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-websub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return Promise.resolve(`sqlite:${join(dir, 'tidings.db')}`);
}

let cluster: Promise<PostgresCluster> | undefined;
function postgresDatabase(): Promise<string> {
  cluster ??= startPostgres().then((result) => {
    if (result.kind !== 'ok') throw new Error(`cannot start PostgreSQL: ${result.reason}`);
    return result;
  });
  return cluster.then((c) => c.freshDatabase());
}
after(async () => {
  if (cluster) await (await cluster).stop();
});

const backends: { name: string; database: (t: TestContext) => Promise<string>; skip?: string }[] = [
  { name: 'SQLite file', database: sqliteFile },
  {
    name: 'PostgreSQL',
    database: postgresDatabase,
    ...(findPgBin() ? {} : { skip: missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found') }),
  },
];

for (const backend of backends) {
  describe(`WebSub on one ${backend.name} shared by several hubs`, backend.skip === undefined ? {} : { skip: backend.skip }, () => {
    test('two hubs deliver each change exactly once, and only the winner renders it', BOUNDED, async (t) => {
      const databaseUrl = await backend.database(t);
      const a = await startHubApp(t, { databaseUrl });
      const b = await startHubApp(t, { databaseUrl });
      const sub = await startSubscriber(t);
      await subscribed(a, sub);
      for (let n = 1; n <= 3; n++) {
        const before = await b.store.currentRevision();
        await a.store.upsertArticles([makeArticle(n, { title: `News ${n}`, topics: ['ukraine'] })]);
        // Both notice the change (b's store sees a's write within about a second), then race.
        await eventually(async () => (await b.store.currentRevision()) !== before, 3_000, 'b sees the write');
        await Promise.all([a.hub.notify(), b.hub.notify()]);
        await Promise.all([a.hub.idle(), b.hub.idle()]);
        assert.equal(sub.deliveries.length, n, `change ${n} delivered once`);
        assert.match(sub.deliveries[n - 1]!.body, new RegExp(`<title>News ${n}</title>`));
      }
      assert.equal(a.renders() + b.renders(), 3, 'only the process that won a change rendered it');
    });

    test('a restarted hub neither repeats a delivery nor loses a change made while it was down', BOUNDED, async (t) => {
      const databaseUrl = await backend.database(t);
      const sub = await startSubscriber(t);
      const first = await startHubApp(t, { databaseUrl });
      await subscribed(first, sub);
      await publish(first, 1, ['ukraine']);
      assert.equal(sub.deliveries.length, 1);
      await first.stop();

      const restarted = await startHubApp(t, { databaseUrl });
      await restarted.hub.notify();
      await restarted.hub.idle();
      assert.equal(sub.deliveries.length, 1, 'nothing repeated after the restart');
      await restarted.stop();

      // A change while no hub runs (a poll in another process) is delivered by the next one to start.
      const writer = await startHubApp(t, { databaseUrl });
      await writer.store.upsertArticles([makeArticle(2, { title: 'News 2', topics: ['ukraine'] })]);
      await writer.stop();
      const next = await startHubApp(t, { databaseUrl });
      await next.hub.notify();
      await next.hub.idle();
      assert.equal(sub.deliveries.length, 2);
      assert.match(sub.deliveries[1]!.body, /<title>News 2<\/title>/);
    });
  });
}
