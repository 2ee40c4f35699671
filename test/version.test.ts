// The version Tidings reports must be the package's, or User-Agent and generator lie.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VERSION, RENDERER_VERSION } from '../src/version.ts';

test('VERSION is package.json\'s version, and the renderer version builds on it', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
  assert.ok(RENDERER_VERSION.startsWith(`${pkg.version}+r`), RENDERER_VERSION);
});
