// Where the hub may send requests. A public hub that GETs and POSTs to any callback a stranger names
// can be aimed at the operator's own network (SSRF); loopback, private, link-local and other special
// ranges are refused unless the operator allows them (WEBSUB_ALLOW_PRIVATE_CALLBACKS=on).

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const SPECIAL_RANGES = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) SPECIAL_RANGES.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  SPECIAL_RANGES.addSubnet(net, prefix, 'ipv6');
}

function isSpecial(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return SPECIAL_RANGES.check(mapped[1]!, 'ipv4');
  return SPECIAL_RANGES.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Undefined when every address the callback's host resolves to is public; else why not. Checked when
 * a subscription is requested and again before each request, so a host that later resolves elsewhere
 * (DNS rebinding) is caught at the next request.
 */
export async function refuseSpecialAddress(callback: string): Promise<string | undefined> {
  const host = new URL(callback).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    return `cannot resolve ${host}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const special = addresses.find(isSpecial);
  return special === undefined ? undefined : `${host} resolves to ${special}, a loopback, private or reserved address`;
}
