// The test build's source-map stripping (scripts/vendor-maps.ts), checked against Node's own source-map
// reader on a real esbuild bundle: every position of the project's code maps where it did, and none maps
// into a bundled package any more.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { stripVendorMappings } from '../scripts/vendor-maps.ts';

const ROOT = join(import.meta.dirname, '..');

/** Every generated position's original one, by `line:column`, for the lines and columns of `code`. */
function positions(map: SourceMapPayload, code: string): Map<string, string> {
  const reader = new SourceMap(map);
  const found = new Map<string, string>();
  code.split('\n').forEach((text, line) => {
    for (let column = 0; column < text.length; column++) {
      const entry = reader.findEntry(line, column);
      if ('originalSource' in entry) found.set(`${line}:${column}`, `${entry.originalSource}:${entry.originalLine}:${entry.originalColumn}`);
    }
  });
  return found;
}

test('the test build keeps every mapping of its own code and drops those into node_modules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-maps-'));
  try {
    // A project file (outside node_modules) that bundles a package, as every test chunk does.
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, [
      "import { decodeHTML } from 'entities';",
      'export function title(raw: string): string {',
      '  const text = decodeHTML(raw);',
      "  if (text.length === 0) throw new Error('empty title');",
      '  return text.trim();',
      '}',
      '',
    ].join('\n'));
    await build({
      entryPoints: [entry], outdir: join(dir, 'out'), bundle: true, format: 'esm', platform: 'node',
      sourcemap: 'linked', sourcesContent: false, nodePaths: [join(ROOT, 'node_modules')], logLevel: 'silent',
    });
    const code = readFileSync(join(dir, 'out', 'entry.js'), 'utf8');
    const mapPath = join(dir, 'out', 'entry.js.map');
    const before = positions(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload, code);
    const ours = [...before].filter(([, original]) => original.includes('entry.ts'));
    assert.ok(ours.length > 0 && [...before.values()].some((o) => o.includes('/node_modules/')), 'the bundle maps into both');

    stripVendorMappings(join(dir, 'out'));

    const after = positions(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload, code);
    for (const [at, original] of ours) assert.equal(after.get(at), original, `the project's position ${at}`);
    assert.deepEqual([...after.values()].filter((o) => o.includes('/node_modules/')), [], 'nothing maps into a package');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
