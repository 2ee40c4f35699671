// MD5 of a short ASCII text (one 64-byte block: at most 55 characters) in plain JavaScript, for the
// band numbers of a story signature: sixteen per article, where a call into node:crypto costs more than
// the hash. Only the first 52 bits of the digest are returned, as a number — what bandNumber keeps.

/** The most characters (bytes) one block holds beside the padding byte and the 8-byte length. */
export const MD5_ONE_BLOCK = 55;

/** RFC 1321's sine table, T[i] = floor(2^32 · |sin(i + 1)|). */
const T = Int32Array.from([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);
/** Left rotations per step, four per round. */
const SHIFTS = Int32Array.from([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);

const words = new Int32Array(16);

/** Whether md5Prefix52 takes `text`: ASCII (one UTF-8 byte per character) that fits one block. */
export function fitsOneBlock(text: string): boolean {
  return text.length <= MD5_ONE_BLOCK && /^[\x00-\x7f]*$/.test(text);
}

/**
 * The first 52 bits of the MD5 of `text`'s UTF-8 bytes, for a text fitsOneBlock takes: the number
 * `parseInt(md5hex.slice(0, 13), 16)` gives.
 */
export function md5Prefix52(text: string): number {
  if (!fitsOneBlock(text)) throw new RangeError(`md5Prefix52: ${JSON.stringify(text)} is not ASCII that fits one block`);
  const length = text.length;
  // The padded block as little-endian words: the bytes, 0x80, zeros, the length in bits at byte 56.
  words.fill(0);
  for (let i = 0; i < length; i++) words[i >> 2]! |= text.charCodeAt(i) << ((i & 3) << 3);
  words[length >> 2]! |= 0x80 << ((length & 3) << 3);
  words[14] = length * 8;
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  // The four rounds of sixteen steps; each step rotates (a, b, c, d) by one place.
  for (let i = 0; i < 16; i++) {
    const f = (((b & c) | (~b & d)) + a + T[i]! + words[i]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotate(f, SHIFTS[i & 3]!)) | 0;
  }
  for (let i = 16; i < 32; i++) {
    const f = (((d & b) | (~d & c)) + a + T[i]! + words[(5 * i + 1) & 15]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotate(f, SHIFTS[4 | (i & 3)]!)) | 0;
  }
  for (let i = 32; i < 48; i++) {
    const f = ((b ^ c ^ d) + a + T[i]! + words[(3 * i + 5) & 15]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotate(f, SHIFTS[8 | (i & 3)]!)) | 0;
  }
  for (let i = 48; i < 64; i++) {
    const f = ((c ^ (b | ~d)) + a + T[i]! + words[(7 * i) & 15]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotate(f, SHIFTS[12 | (i & 3)]!)) | 0;
  }
  const h0 = (a + 0x67452301) >>> 0;
  const h1 = (b + (0xefcdab89 | 0)) >>> 0;
  // The digest is h0's bytes then h1's, each least significant first; the hex text reads them in order.
  const first32 = ((h0 & 0xff) * 0x1000000) + (((h0 >>> 8) & 0xff) << 16) + (((h0 >>> 16) & 0xff) << 8) + (h0 >>> 24);
  const next20 = ((h1 & 0xff) << 12) + (((h1 >>> 8) & 0xff) << 4) + (((h1 >>> 16) & 0xff) >>> 4);
  return first32 * 2 ** 20 + next20;
}

function rotate(x: number, s: number): number {
  return (x << s) | (x >>> (32 - s));
}
