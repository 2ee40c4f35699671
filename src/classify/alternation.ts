// One topic's keyword patterns as one alternation, written so V8 compiles it quickly and it matches
// exactly what the plain alternation `p1|p2|…|pn` matches.
//
// Why: a stemmed keyword's pattern ends in `\p{L}{0,4}`, a prefix keyword's in `[\p{L}\p{M}\p{N}]*`, and
// under the `iu` flags V8 computes the case closure of such a Unicode class anew at every occurrence:
// 40 of them cost 20–30 ms to compile, the same 40 heads sharing one suffix 3 ms. Every process and
// worker thread that classifies compiles every topic once, so the bundled topics cost each of them
// about a quarter of a second before.
//
// How, without changing a match: a backtracking alternation tries its branches in order at each
// position, so `(?:a|b)S` tries exactly what `aS|bS` tries, in the same order. Branches can therefore
// be grouped under a shared suffix when they are adjacent, and two branches may trade places when they
// can never both match at one position — which holds when their first characters differ under the
// `iu` flags (every pattern begins with a literal character of its keyword). So each branch keeps its
// place relative to the branches sharing its first character (up to case), and the rest are free to
// gather into as few suffix groups as that allows.

interface Branch {
  /** Position in the plain alternation. */
  index: number;
  head: string;
  suffix: string;
  /** Branches of one class may match at the same position: their order is kept. */
  firstCharClass: number;
}

/** The plain alternation of `patterns`, in their order: what groupedAlternation must match exactly. */
export function plainAlternation(patterns: readonly string[]): string {
  return `(?:${patterns.join('|')})`;
}

/**
 * The same alternation as plainAlternation, its branches gathered under shared suffixes: `suffixes`
 * are the pattern endings worth sharing (a branch ending in none of them has the empty suffix). Plain
 * when some pattern does not begin with a letter, mark or digit: its first character's class is unknown.
 */
export function groupedAlternation(patterns: readonly string[], suffixes: readonly string[]): string {
  // The empty suffix last: a branch that ends in none of the others has it.
  const endings = [...suffixes.filter((s) => s !== ''), ''];
  const branches = toBranches(patterns, endings);
  if (branches.some((b) => b.firstCharClass < 0)) return plainAlternation(patterns);
  // Each class's branches in their order; a group takes from each chain the run of branches at its
  // front that end in the group's suffix, so no branch passes one of its own class.
  const chains = new Map<number, Branch[]>();
  for (const branch of branches) {
    const chain = chains.get(branch.firstCharClass);
    if (chain) chain.push(branch);
    else chains.set(branch.firstCharClass, [branch]);
  }
  const groups: string[] = [];
  for (let left = branches.length; left > 0; ) {
    const suffix = largestReadySuffix([...chains.values()], endings);
    const members: Branch[] = [];
    for (const chain of chains.values()) {
      while (chain.length > 0 && chain[0]!.suffix === suffix) members.push(chain.shift()!);
    }
    members.sort((a, b) => a.index - b.index);
    left -= members.length;
    groups.push(`(?:${members.map((m) => m.head).join('|')})${suffix}`);
  }
  return `(?:${groups.join('|')})`;
}

/** The suffix that the most branches at the fronts of the chains end in (runs counted whole). */
function largestReadySuffix(chains: readonly Branch[][], endings: readonly string[]): string {
  let best = '';
  let bestCount = -1;
  for (const suffix of endings) {
    let count = 0;
    for (const chain of chains) {
      for (const branch of chain) {
        if (branch.suffix !== suffix) break;
        count += 1;
      }
    }
    if (count > bestCount) {
      best = suffix;
      bestCount = count;
    }
  }
  return best;
}

function toBranches(patterns: readonly string[], endings: readonly string[]): Branch[] {
  const classes = new FirstCharClasses();
  return patterns.map((pattern, index) => {
    const suffix = endings.find((s) => pattern.endsWith(s) && !escapedAt(pattern, pattern.length - s.length)) ?? '';
    const first = String.fromCodePoint(pattern.codePointAt(0) ?? 0);
    return { index, head: pattern.slice(0, pattern.length - suffix.length), suffix, firstCharClass: classes.of(first) };
  });
}

/** Whether the character before `at` is an unescaped backslash (the suffix would then be a literal). */
function escapedAt(pattern: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && pattern[i] === '\\'; i--) backslashes += 1;
  return backslashes % 2 === 1;
}

/**
 * Characters grouped by what matches them under the `iu` flags (`k`, `K` and the Kelvin sign; `s`, `S`
 * and `ſ`), asked of V8's own matcher rather than of case tables that differ from it at the edges. A
 * first character that is not a letter, mark or digit (a backslash, a bracket) is class -1: unknown.
 */
class FirstCharClasses {
  readonly #byChar = new Map<string, number>();
  readonly #representatives: RegExp[] = [];

  of(char: string): number {
    let found = this.#byChar.get(char);
    if (found !== undefined) return found;
    if (!/^[\p{L}\p{M}\p{N}]$/u.test(char)) found = -1;
    else {
      found = this.#representatives.findIndex((rep) => rep.test(char));
      if (found < 0) found = this.#representatives.push(new RegExp(`^${char}$`, 'iu')) - 1;
    }
    this.#byChar.set(char, found);
    return found;
  }
}
