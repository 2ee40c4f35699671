// A scripted name resolver for tests of the connect-time address guard: the same hook net.connect
// calls, so a test decides what each lookup of a name answers (a rebinding name, a stand-in host).

import type { LookupFunction } from 'node:net';

/**
 * A resolver that answers each name from a script, one answer per call (the last one repeats), and
 * records the calls: a DNS-rebinding name is `['93.184.216.34', '127.0.0.1']`.
 */
export function scriptedLookup(script: Record<string, string[]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = ((hostname, options, callback) => {
    calls.push(hostname);
    const answers = script[hostname];
    if (!answers) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return void callback(err, '', 4);
    }
    const seen = calls.filter((h) => h === hostname).length;
    const address = answers[Math.min(seen, answers.length) - 1]!;
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction & { calls: string[] };
  lookup.calls = calls;
  return lookup;
}
