// A throwaway real PostgreSQL cluster for tests: a copy of a template data directory (initdb runs once
// per machine and PostgreSQL version, not per test file), pg_ctl start on a free 127.0.0.1 port (its
// socket in the same directory, fsync off and initdb --no-sync: nothing here must survive a crash), and
// a fresh database per test (or a copy of one migrated once, for tests that begin with openStore). One
// cluster per test file run alone; under `npm test`, one for the whole run (scripts/test.ts starts it,
// RUN_CLUSTER_ENV tells the files, each makes its own databases there):
//
//   const pg = await startPostgres();            // { kind: 'missing', reason } without the binaries
//   if (pg.kind === 'ok') { t.after(() => pg.stop()); const url = await pg.freshDatabase(); }
//
// Binaries are looked up on PATH, then in Debian's /usr/lib/postgresql/<version>/bin. PostgreSQL
// refuses to run as root, so under root the cluster runs as the `postgres` (else `nobody`) user.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PostgresCluster {
  kind: 'ok';
  /** The maintenance database's URL (superuser `tidings`, no password on 127.0.0.1). */
  url: string;
  /** Creates an empty database and returns its URL. */
  freshDatabase(): Promise<string>;
  /**
   * Creates a database as openStore leaves a new one (every migration applied, no rows: opening a
   * PostgreSQL store migrates and writes nothing else) and returns its URL: a copy of one database
   * migrated once per cluster, for the tests whose first step is openStore on a new database.
   */
  migratedDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export type StartResult = PostgresCluster | { kind: 'missing'; reason: string };

export function findPgBin(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort().reverse()) dirs.push(join(debian, v, 'bin'));
  }
  return dirs.find((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** Under CI a missing PostgreSQL is a failure, elsewhere a named skip (see test/store.postgres.test.ts). */
export function missingPostgres(reason: string): string {
  if (process.env.CI === 'true') throw new Error(`PostgreSQL tests are required under CI=true: ${reason}`);
  return `SKIPPED: ${reason}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Who runs the server: this process, or an unprivileged user when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  return undefined;
}

let counter = 0;

type Run = (cmd: string, args: string[], cwd: string) => void;

const INITDB_ARGS = ['-U', 'tidings', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'];
/** A lock older than this was left by a test process that died while running initdb. */
const STALE_LOCK_MS = 120_000;

/**
 * The data directory of a freshly initdb'd cluster, made once for these binaries, this user and these
 * initdb arguments, and copied for each test file (`cp -a`: a fifth of a second instead of initdb's
 * seconds). Test files running at once take turns through a lock directory; the template appears
 * by a rename, so one that exists is complete.
 */
async function templateDataDir(bin: string, user: { uid: number; gid: number } | undefined, run: Run): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify([bin, user?.uid ?? process.getuid?.(), INITDB_ARGS])).digest('hex').slice(0, 16);
  const template = join(tmpdir(), `tidings-pg-template-${key}`);
  const lock = `${template}.lock`;
  for (;;) {
    if (existsSync(join(template, 'PG_VERSION'))) return template;
    try {
      mkdirSync(lock);
    } catch {
      const age = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(100);
      continue;
    }
    try {
      if (existsSync(join(template, 'PG_VERSION'))) return template;
      const building = mkdtempSync(`${template}.building-`);
      if (user) chownSync(building, user.uid, user.gid);
      run('initdb', ['-D', join(building, 'data'), ...INITDB_ARGS], building);
      rmSync(template, { recursive: true, force: true });
      renameSync(join(building, 'data'), template);
      rmSync(building, { recursive: true, force: true });
      return template;
    } finally {
      rmdirSync(lock);
    }
  }
}

/**
 * Set by scripts/test.ts for the test files of one `npm test`: the port of the one cluster it started
 * for all of them (see startRunCluster). Each file then makes its databases there instead of starting
 * a cluster of its own, and its stop() leaves the cluster to the run.
 */
export const RUN_CLUSTER_ENV = 'TIDINGS_TEST_POSTGRES_PORT';

export async function startPostgres(): Promise<StartResult> {
  const shared = process.env[RUN_CLUSTER_ENV];
  if (shared !== undefined && shared !== '') return clusterOn(Number(shared), async () => undefined);
  return startOwnCluster();
}

/** A cluster for the test files of one run, and the environment that hands it to them; `stop` after the last. */
export async function startRunCluster(): Promise<{ kind: 'ok'; env: Record<string, string>; stop: () => Promise<void> } | { kind: 'missing'; reason: string }> {
  const started = await startOwnCluster();
  if (started.kind !== 'ok') return started;
  return { kind: 'ok', env: { [RUN_CLUSTER_ENV]: String(new URL(started.url).port) }, stop: () => started.stop() };
}

async function startOwnCluster(): Promise<StartResult> {
  const bin = findPgBin();
  if (!bin) return { kind: 'missing', reason: 'no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin (install Debian\'s postgresql)' };
  const user = serverUser();
  if (process.getuid?.() === 0 && !user) return { kind: 'missing', reason: 'running as root with no unprivileged user to run PostgreSQL' };
  const dir = mkdtempSync(join(tmpdir(), 'tidings-pg-'));
  const data = join(dir, 'data');
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  if (user) chownSync(dir, user.uid, user.gid);
  const runIn: Run = (cmd, args, cwd) => {
    execFileSync(join(bin, cmd), args, { ...as, stdio: 'pipe', cwd, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  };
  const run = (cmd: string, args: string[]) => runIn(cmd, args, dir);
  // --no-sync: initdb's own fsyncs of a throwaway cluster were most of its seconds; the copy keeps owner and modes.
  execFileSync('cp', ['-a', await templateDataDir(bin, user, runIn), data]);
  const port = await freePort();
  // max_connections: a run's cluster serves up to four test files at once, each with pools of 10.
  const conf = [`port = ${port}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${dir}'`,
    'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 400', 'shared_buffers = 32MB'];
  writeFileSync(join(data, 'postgresql.auto.conf'), conf.join('\n') + '\n');
  if (user) chownSync(join(data, 'postgresql.auto.conf'), user.uid, user.gid);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  return clusterOn(port, async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => {
      const child = spawn(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...as, stdio: 'ignore' });
      child.on('exit', () => resolve());
      child.on('error', () => resolve());
    });
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The databases of a test file on the cluster listening on `port`; `stop` ends what the file started. */
function clusterOn(port: number, stop: () => Promise<void>): PostgresCluster {
  const url = `postgres://tidings@127.0.0.1:${port}/postgres`;
  let migratedTemplate: Promise<string> | undefined;
  /** A copy of `template`. FILE_COPY (PostgreSQL 15+): a copy of its files, not a WAL record per block — half the time, and with fsync off no cost for the checkpoint it takes. */
  const createDatabase = async (template: string): Promise<string> => {
    const name = `t${process.pid}_${++counter}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const version = Number((await admin.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]?.server_version_num);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}${version >= 150000 ? ' STRATEGY FILE_COPY' : ''}`);
    } finally {
      await admin.end();
    }
    return `postgres://tidings@127.0.0.1:${port}/${name}`;
  };
  return {
    kind: 'ok',
    url,
    freshDatabase: () => createDatabase('template0'),
    async migratedDatabase() {
      migratedTemplate ??= createDatabase('template0').then(async (templateUrl) => {
        // Loaded here, not at the top: scripts/test.ts starts the run's cluster without loading the store.
        const { openStore } = await import('../../src/store/store.ts');
        await (await openStore(templateUrl)).close();
        return new URL(templateUrl).pathname.slice(1);
      });
      return createDatabase(await migratedTemplate);
    },
    stop,
  };
}

/**
 * One cluster for a test file: started on first use (so a skipped suite starts none) and stopped
 * after the file's tests. Call at the top level of the file.
 */
export function clusterPerFile(): () => Promise<PostgresCluster> {
  let started: Promise<PostgresCluster> | undefined;
  after(async () => {
    if (started) await (await started).stop();
  });
  return () => {
    started ??= startPostgres().then((result) => {
      if (result.kind !== 'ok') throw new Error(`cannot start PostgreSQL: ${result.reason}`);
      return result;
    });
    return started;
  };
}
