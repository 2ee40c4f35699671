// Module hooks of `npm test`: test files keep their own `.ts` URLs (so `import.meta.url`, fixtures and
// `..` paths stay what they are), but Node runs the JavaScript that the suite's one transpile step (scripts/test.ts)
// just emitted for them, instead of each test process transforming through tsx; src/ runs from the build.

import { existsSync, readFileSync } from 'node:fs';
import type { LoadHook, ResolveHook } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface HooksData {
  /** The project's root, as a file URL ending in `/`. */
  root: string;
  /** Where scripts/test.ts emitted the project (same layout, `.js`), as a file URL ending in `/`. */
  build: string;
}

let root = '';
let build = '';

export function initialize(data: HooksData): void {
  ({ root, build } = data);
}

/** One of the project's own TypeScript files (not a dependency's, not something the build holds). */
function isProjectTs(url: string | undefined): url is string {
  return url !== undefined && url.startsWith(root) && url.endsWith('.ts') && !url.startsWith(build) && !url.includes('/node_modules/');
}

/**
 * The build rewrote `./x.ts` to `./x.js` in what it emitted: back to the source's URL, which load() maps.
 * src/ itself resolves to its compiled URL, as production runs it from dist/: its modules then import
 * each other without these hooks, and the parse worker pool starts `.js` workers without tsx.
 */
export const resolve: ResolveHook = async (specifier, context, next) => {
  const rewritten = isProjectTs(context.parentURL) && /^\.\.?\//.test(specifier) && specifier.endsWith('.js');
  const resolved = await next(rewritten ? `${specifier.slice(0, -3)}.ts` : specifier, context);
  if (isProjectTs(resolved.url) && resolved.url.startsWith(`${root}src/`)) {
    return { url: compiledUrl(resolved.url).href, format: 'module', shortCircuit: true };
  }
  return resolved;
};

function compiledUrl(url: string): URL {
  return new URL(`${url.slice(root.length, -3)}.js`, build);
}

export const load: LoadHook = (url, context, next) => {
  if (!isProjectTs(url)) return next(url, context);
  const compiled = compiledUrl(url);
  if (!existsSync(compiled)) {
    throw new Error(`test build: ${url} has no compiled ${compiled.href}; it is not under tsconfig.json's "include" (run it with --import tsx)`);
  }
  // The source map sits beside the compiled file, not beside the .ts URL the module keeps; Node takes
  // only a path relative to the module here (an absolute file: URL is ignored).
  const source = readFileSync(compiled, 'utf8').replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (_line, map: string) =>
    `//# sourceMappingURL=${relative(dirname(fileURLToPath(url)), fileURLToPath(new URL(map, compiled)))}`);
  return { format: 'module', source, shortCircuit: true };
};

/** The hooks' data for a build in `buildDir` of the project in `rootDir` (both paths). */
export function hooksData(rootDir: string, buildDir: string): HooksData {
  return { root: pathToFileURL(`${rootDir}/`).href, build: pathToFileURL(`${buildDir}/`).href };
}
