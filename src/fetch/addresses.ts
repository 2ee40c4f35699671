// What kind of network an IP address belongs to, for deciding where outgoing requests may go: a public
// hub or a public feed's redirect must never reach the operator's own network or the cloud metadata
// address. IPv6 forms that carry an IPv4 address inside are judged by the address they carry.

import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/**
 * public: globally routable. private: networks an operator's own services live on (loopback, RFC 1918,
 * CGNAT, unique-local). special: everything else that is not global unicast — link-local (the cloud
 * metadata address), multicast, unspecified, documentation, benchmarking, translation and tunnel
 * prefixes, the deprecated IPv4-compatible and site-local forms.
 */
export type AddressKind = 'public' | 'private' | 'special';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
const ranges = (cidrs: string[]): Range[] => cidrs.map((c) => ipaddr.parseCIDR(c));

const V4_PRIVATE = ranges(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '100.64.0.0/10']);
const V4_SPECIAL = ranges([
  '0.0.0.0/8', '169.254.0.0/16', '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
]);
const V6_PRIVATE = ranges(['fc00::/7', '::1/128']);
/** Inside global unicast (2000::/3) but not public: Teredo/ORCHID/benchmarking, 6to4, documentation. */
const V6_SPECIAL_IN_GLOBAL = ranges(['2001::/23', '2001:db8::/32', '2002::/16', '3fff::/20']);
const V6_GLOBAL = ipaddr.parseCIDR('2000::/3');
const V4_MAPPED = ipaddr.parseCIDR('::ffff:0:0/96');
/** NAT64's well-known prefix: the IPv4 address in the last 32 bits is the one reached. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/** The kind of an IP address (IPv6 with or without brackets or zone); anything unparsable is special. */
export function classifyAddress(address: string): AddressKind {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return classifyV4(ipaddr.IPv4.parse(bare));
  if (family === 6) return classifyV6(ipaddr.IPv6.parse(canonicalV6(bare)));
  return 'special';
}

/**
 * The WHATWG URL spelling of an IPv6 address: all hex, no dotted tail. ipaddr.js reads `::127.0.0.1`
 * as IPv4-mapped; the standard (and the kernel) read it as IPv4-compatible `::7f00:1`.
 */
function canonicalV6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function classifyV4(address: ipaddr.IPv4): AddressKind {
  if (V4_PRIVATE.some((r) => address.match(r))) return 'private';
  if (V4_SPECIAL.some((r) => address.match(r))) return 'special';
  return 'public';
}

function classifyV6(address: ipaddr.IPv6): AddressKind {
  if (address.match(V4_MAPPED)) return classifyV4(address.toIPv4Address());
  if (address.match(NAT64)) {
    const [hi = 0, lo = 0] = address.parts.slice(6);
    return classifyV4(ipaddr.fromByteArray([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]) as ipaddr.IPv4);
  }
  if (V6_PRIVATE.some((r) => address.match(r))) return 'private';
  // Outside 2000::/3 lie ::/96 (IPv4-compatible, e.g. ::7f00:1), 100::/64, 64:ff9b:1::/48, fe80::/10,
  // fec0::/10 and ff00::/8: none is a public destination.
  if (!address.match(V6_GLOBAL) || V6_SPECIAL_IN_GLOBAL.some((r) => address.match(r))) return 'special';
  return 'public';
}

/** Where a request may connect: anywhere; only public; or public and private but never special. */
export type AddressPolicy = 'any' | 'public' | 'intranet';

export function addressAllowed(address: string, policy: AddressPolicy, extraPublic?: ReadonlySet<string>): boolean {
  if (policy === 'any') return true;
  const kind = extraPublic?.has(address) ? 'public' : classifyAddress(address);
  return policy === 'public' ? kind === 'public' : kind !== 'special';
}
