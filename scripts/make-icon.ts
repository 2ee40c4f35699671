// Writes the default site icon, assets/icon.png (256×256): the feed symbol (a dot and two arcs) in white
// on the site's blue, rounded square. Run once (`node --import tsx scripts/make-icon.ts`); the PNG is
// committed, so the server needs no image library. PNG: signature, IHDR, one zlib IDAT, IEND.

import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 256;
const BLUE = [0x0b, 0x5c, 0xad] as const;
const SAMPLES = 4; // per axis: 16 samples a pixel smooth the edges

/** Whether a point (in pixels, y down) is inside the shape, and whether it is white (symbol) or blue. */
function inkAt(x: number, y: number): 'none' | 'blue' | 'white' {
  const r = 48; // corner radius of the square
  const cx = Math.min(Math.max(x, r), SIZE - r);
  const cy = Math.min(Math.max(y, r), SIZE - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return 'none';
  // The feed symbol, centred on its lower-left origin.
  const ox = 64;
  const oy = 192;
  const d = Math.hypot(x - ox, y - oy);
  if (d <= 22) return 'white';
  const inQuadrant = x >= ox - 2 && y <= oy + 2;
  if (inQuadrant && ((d >= 64 && d <= 92) || (d >= 118 && d <= 146))) return 'white';
  return 'blue';
}

function pixel(x: number, y: number): [number, number, number, number] {
  let alpha = 0;
  let white = 0;
  for (let i = 0; i < SAMPLES; i++) {
    for (let j = 0; j < SAMPLES; j++) {
      const ink = inkAt(x + (i + 0.5) / SAMPLES, y + (j + 0.5) / SAMPLES);
      if (ink !== 'none') alpha++;
      if (ink === 'white') white++;
    }
  }
  if (alpha === 0) return [0, 0, 0, 0];
  const w = white / alpha;
  const mix = (c: number) => Math.round(c + (255 - c) * w);
  return [mix(BLUE[0]), mix(BLUE[1]), mix(BLUE[2]), Math.round((255 * alpha) / (SAMPLES * SAMPLES))];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function iconPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows: Buffer[] = [];
  for (let y = 0; y < SIZE; y++) {
    const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0: none
    for (let x = 0; x < SIZE; x++) row.set(pixel(x, y), 1 + x * 4);
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const target = new URL('../assets/icon.png', import.meta.url);
writeFileSync(target, iconPng());
console.log(`wrote ${target.pathname}`);
