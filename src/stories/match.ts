// Whether two signatures tell the same story. Tuned for precision: a wrong merge hides a story from
// readers, a missed one only shows it twice, so a pair must be near-identical in words AND agree on
// the numbers and names that tell one delivery, strike or vote from the next one.

import type { StorySignature } from './signature.ts';

/** Estimated Jaccard similarity of the word stems a pair must reach. */
export const MIN_SIMILARITY = 0.65;
/** Share of the numbers (of the side with fewer) the other side must also carry. */
const MIN_SHARED_NUMBERS = 0.8;

export function similarity(a: StorySignature, b: StorySignature): number {
  let equal = 0;
  for (let i = 0; i < a.sketch.length; i++) if (a.sketch[i] === b.sketch[i]) equal++;
  return a.sketch.length === 0 ? 0 : equal / a.sketch.length;
}

export function sameStory(a: StorySignature, b: StorySignature): boolean {
  if (a.lang !== b.lang || a.sketch.length !== b.sketch.length) return false;
  if (similarity(a, b) < MIN_SIMILARITY) return false;
  return numbersAgree(a.numbers, b.numbers) && namesAgree(a.names, b.names);
}

/** Different deliveries differ in counts and dates: most numbers of either side appear in the other. */
function numbersAgree(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 && b.length === 0) return true;
  const shared = a.filter((n) => b.includes(n)).length;
  return shared >= MIN_SHARED_NUMBERS * Math.min(a.length, b.length) && shared > 0;
}

/** A name in one title (a system, a place) must appear in the other's when both titles name any. */
function namesAgree(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.some((n) => b.includes(n));
}
