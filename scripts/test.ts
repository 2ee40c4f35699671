// `npm test`: transpiles and bundles the project into dist/test-build/ with esbuild (about 2 s), then runs
// every test/*.test.ts on that build while `tsc --noEmit` type-checks beside it, instead of first
// waiting 15–20 s of CPU for tsc to emit. The run fails when either fails; the type check's output is
// printed after the tests'. Arguments are test files to run instead of all of them. One PostgreSQL
// cluster serves every test file of the run (a cluster's start and stop cost about 0.6 s of CPU each
// file paid before); each file makes its own databases in it.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { startRunCluster } from '../test/helpers/postgres.ts';
import { stripVendorMappings } from './vendor-maps.ts';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist', 'test-build');
/** What the last type check learnt (outside OUT, which each run empties); a fresh clone starts without it. */
const TYPECHECK_STATE = join(ROOT, 'dist', 'typecheck.tsbuildinfo');
/** tsconfig.json's "include": what tsc would emit. */
const INCLUDE = ['src', 'test', 'bench', 'scripts'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Packages left to node_modules (esbuild also leaves Node's built-ins): native code, and packages that
 * start worker threads or read their own files by path at run time. The rest is bundled, see transpile.
 */
const EXTERNAL = ['better-sqlite3', 'piscina', 'pino', 'thread-stream', 'playwright-core', 'html-validate', 'axe-core', 'typescript', 'esbuild',
  'tsx', 'fsevents', 'pg-native', 'autocannon'];

/**
 * Test files keep their source's `import.meta` (url, dirname, filename): fixtures, `..` paths and
 * schemas are found beside the source, as under tsx, while Node runs the emitted `.js` — with no
 * module hooks, whose extra thread and round trip per import cost each test process about 0.2 s of CPU.
 */
const sourceImportMeta: Plugin = {
  name: 'source-import-meta',
  setup(b) {
    // A project module keeps the import.meta of the file it would have been alone (dist/test-build/src/…),
    // which is where it finds the worker files, assets and modules it names relative to itself.
    const srcDir = join(ROOT, 'src', '/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    b.onLoad({ filter: new RegExp(`^${srcDir}.*\\.ts$`) }, (args) => ({
      contents: withImportMeta(readFileSync(args.path, 'utf8'), join(OUT, relative(ROOT, args.path)).replace(/\.ts$/, '.js')),
      loader: 'ts',
    }));
    const testDir = join(ROOT, 'test', '/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    b.onLoad({ filter: new RegExp(`^${testDir}.*\\.ts$`) }, (args) => ({ contents: withImportMeta(readFileSync(args.path, 'utf8'), args.path), loader: 'ts' }));
  },
};

/** `source` with its `import.meta` url, dirname and filename those of the file at `path`. */
function withImportMeta(source: string, path: string): string {
  return source
    .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
    .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)))
    .replaceAll('import.meta.filename', JSON.stringify(path));
}

async function transpile(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  await build({
    entryPoints: INCLUDE.flatMap((d) => tsFiles(join(ROOT, d))),
    outdir: OUT,
    outbase: ROOT,
    bundle: true,
    // The project's modules and the packages they use are bundled, with the code entry points share split
    // into chunks: a process loads a few dozen files instead of some 450 modules (the app's module graph
    // took 0.85 s of CPU to load as separate modules, 0.45 s bundled). Every test file, server, CLI and
    // worker thread loads its graph, so this saved about 25 s of the suite's CPU, for 2 s more here.
    external: EXTERNAL,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // A bundled CommonJS package's require() of a built-in needs a require in an ES module.
    banner: { js: "import { createRequire as __tidingsCreateRequire } from 'node:module'; const require = __tidingsCreateRequire(import.meta.url);" },
    plugins: [sourceImportMeta],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // Stack traces need only the mappings; the sources are on disk. Maps a third the size, which every
    // test process parses for each module it loads (about 6 % of a test process's CPU).
    sourcesContent: false,
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'warning',
  });
  // The packages' mappings made four fifths of the maps: a test process decoded them whenever it formatted
  // a stack through a chunk, 30-100 ms of CPU each (http.test.ts 166 -> 66 ms in the source-map code).
  stripVendorMappings(OUT);
}

/** `test/foo.test.ts` → what the build emitted for it, which the test process runs. */
function compiledTestFile(file: string): string {
  return join(OUT, relative(ROOT, resolve(file)).replace(/\.ts$/, '.js'));
}

interface Exit {
  code: number;
  output: string;
}

function run(command: string, args: string[], capture: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (err) => resolve({ code: 1, output: `${command}: ${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

interface FileTime {
  file: string;
  wallMs: number;
  cpuMs: number;
  /** The CPU of the processes the file started (servers, CLIs, browsers); absent where it is not known. */
  childCpuMs?: number;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1).padStart(6);

/**
 * The slowest test files by wall time, each with its process's own CPU and its child processes' CPU:
 * the suite is CPU-bound, so the CPU columns say where a second of the run can be won.
 */
function slowestFiles(timesFile: string, count: number): string {
  if (!existsSync(timesFile)) return '';
  const times = readFileSync(timesFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as FileTime);
  const sum = (pick: (t: FileTime) => number): string => seconds(times.reduce((s, t) => s + pick(t), 0)).trim();
  const rows = times.sort((a, b) => b.wallMs - a.wallMs).slice(0, count)
    .map((t) => `  ${seconds(t.wallMs)} s wall ${seconds(t.cpuMs)} s CPU ${seconds(t.childCpuMs ?? 0)} s children's CPU  ${t.file}`);
  return `tidings: slowest test files (all ${times.length} files: ${sum((t) => t.wallMs)} s wall, ${sum((t) => t.cpuMs)} s CPU, ` +
    `${sum((t) => t.childCpuMs ?? 0)} s children's CPU):\n${rows.join('\n')}\n`;
}

/**
 * The environment of the test processes and of every process they start: this one's with `extra`, less
 * NODE_EXTRA_CA_CERTS. Where it is set (machine-wide on the 2-core machine, to the system's 140-odd
 * certificates) each Node process parses the file as it starts, about 70 ms of CPU (`node -e 0` 80-98 ms
 * without, 158-167 ms with), and a run starts some 100; the tests make no TLS connection.
 */
function testEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

async function main(): Promise<number> {
  const started = Date.now();
  // A cluster that cannot start here is left to the PostgreSQL test files, which then each try and say why.
  const [cluster] = await Promise.all([startRunCluster().catch((err: unknown) => ({ kind: 'missing' as const, reason: String(err) })), transpile()]);
  if (cluster.kind === 'ok') {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void cluster.stop().finally(() => process.exit(130)));
    }
  }
  const files = process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts') && statSync(join(ROOT, 'test', f)).isFile()).sort().map((f) => `test/${f}`);
  process.stderr.write(`tidings: transpiled into dist/test-build/ in ${((Date.now() - started) / 1000).toFixed(1)} s; type check running beside the tests\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const timesFile = join(OUT, 'file-times.jsonl');
  // niced: the tests that probe "readers wait < 1 s" keep the CPU they had when tsc ran first.
  // Incremental: a rerun checks again only what changed since the last one (6 s of CPU instead of 13).
  const typecheckArgs = ['--noEmit', '--incremental', '--tsBuildInfoFile', TYPECHECK_STATE, '-p', 'tsconfig.json'];
  // Without PostgreSQL binaries no cluster starts, and each PostgreSQL test file says why it skips (or fails under CI=true).
  const clusterEnv = cluster.kind === 'ok' ? cluster.env : {};
  let typecheckDoneAt = 0;
  const [typecheck, tests] = await Promise.all([
    run('nice', ['-n', '10', process.execPath, tsc, ...typecheckArgs], true).then((exit) => {
      if (exit.code !== 0) process.stderr.write('tidings: type check FAILED (its errors follow the tests)\n');
      typecheckDoneAt = Date.now();
      return exit;
    }),
    run(process.execPath, [
      '--import', './dist/test-build/test/helpers/compiled-build.js', '--enable-source-maps',
      // Whatever order the files are given in, Node 20's `node --test` sorts them by name. Longest first
      // (through node:test's run(), which keeps the order) measured no better: see README, Developer loop.
      '--test', '--test-concurrency=4', '--test-reporter=spec', ...files.map(compiledTestFile),
    ], false, testEnvironment({ ...clusterEnv, TIDINGS_TEST_TIMES: timesFile })),
  ]);
  if (cluster.kind === 'ok') await cluster.stop();
  process.stderr.write(slowestFiles(timesFile, 15));
  // When it ended says whether the niced type check, starved by the tests, was the run's tail.
  const typecheckEnded = `${((typecheckDoneAt - started) / 1000).toFixed(1)} s into the run`;
  process.stderr.write(typecheck.code === 0 ? `tidings: type check passed, ${typecheckEnded}\n` : `tidings: type check FAILED, ${typecheckEnded}\n${typecheck.output}`);
  process.stderr.write(`tidings: npm test took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return typecheck.code !== 0 ? typecheck.code : tests.code;
}

process.exitCode = await main();
