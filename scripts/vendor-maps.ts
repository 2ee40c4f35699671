// Strips the bundled packages' code out of the test build's source maps, keeping the project's. A test
// process (`--enable-source-maps`) decodes the whole map of every chunk a stack frame it formats lands
// in, and the chunks are mostly bundled packages: 3.5 of the build's 4.7 MB of mappings.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * `mappings` (source map v3: lines split by `;`, segments by `,`, each segment's fields base64 VLQ deltas
 * from the previous segment's, the column's from the line's start) without the segments whose source
 * `drop` names. One pass over the text: it is megabytes, and this runs before every test run.
 */
function filterMappings(mappings: string, drop: readonly boolean[]): string {
  const read = [0, 0, 0, 0, 0];
  const written = [0, 0, 0, 0, 0];
  const fields: number[] = [];
  let out = '';
  let lineHasSegment = false;
  let value = 0;
  let shift = 0;
  const endSegment = (): void => {
    if (fields.length === 0) return;
    for (let i = 0; i < fields.length; i++) fields[i] = read[i] = read[i]! + fields[i]!;
    if (fields.length === 1 || !drop[fields[1]!]) {
      if (lineHasSegment) out += ',';
      for (let i = 0; i < fields.length; i++) {
        out += encodeVlq(fields[i]! - written[i]!);
        written[i] = fields[i]!;
      }
      lineHasSegment = true;
    }
    fields.length = 0;
  };
  for (let at = 0; at < mappings.length; at++) {
    const c = mappings[at]!;
    if (c === ',' || c === ';') {
      endSegment();
      if (c === ';') {
        out += ';';
        read[0] = written[0] = 0;
        lineHasSegment = false;
      }
      continue;
    }
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`test build: bad source map character ${JSON.stringify(c)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  endSegment();
  return out;
}

function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    const digit = rest & 31;
    rest >>>= 5;
    out += BASE64[rest > 0 ? digit | 32 : digit];
  } while (rest > 0);
  return out;
}

interface SourceMapV3 {
  sources: string[];
  mappings: string;
}

/** Drops the segments that map into node_modules; a frame there then shows the bundle's line, still named. */
function withoutVendorSegments(map: SourceMapV3): SourceMapV3 {
  const vendor = map.sources.map((s) => s.includes('/node_modules/'));
  if (!vendor.includes(true)) return map;
  return { ...map, mappings: filterMappings(map.mappings, vendor) };
}

/** Rewrites every `.map` under `dir` without its bundled packages' segments. */
export function stripVendorMappings(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.js.map')) continue;
    const path = join(dir, entry);
    const map = JSON.parse(readFileSync(path, 'utf8')) as SourceMapV3;
    const stripped = withoutVendorSegments(map);
    if (stripped !== map) writeFileSync(path, JSON.stringify(stripped));
  }
}
