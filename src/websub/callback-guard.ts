// Where the hub may send requests. A public hub that GETs and POSTs to any callback a stranger names
// can be aimed at the operator's own network (SSRF): callbacks must be public unless the operator
// allows private ones (WEBSUB_ALLOW_PRIVATE_CALLBACKS=on). This early check answers the subscriber
// with a 400; the guarded agent (fetch/guarded-agent.ts) enforces it on every connection.

import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { addressAllowed } from '../fetch/addresses.ts';
import { resolveAll, type NetworkOptions } from '../fetch/guarded-agent.ts';

/** Why the hub will not call this callback now, or undefined; never says what its name resolves to. */
export async function refuseSpecialAddress(callback: string, network: NetworkOptions = {}): Promise<string | undefined> {
  const host = new URL(callback).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolveAll(host, network.lookup ?? dnsLookup);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'lookup failed';
    return `cannot resolve ${host} (${code})`;
  }
  return addresses.every((a) => addressAllowed(a, 'public', network.extraPublic)) ? undefined : 'callback host resolves to a non-public address';
}
