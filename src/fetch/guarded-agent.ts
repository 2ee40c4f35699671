// Outgoing connections that check the address actually connected to. Checking a name before the
// request and letting fetch resolve it again lets a rebinding name answer "public" to the check and
// 127.0.0.1 to the connection; here the answer net.connect uses is the one judged, per connection,
// and the socket's peer address is checked again before a byte of HTTP is sent.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { addressAllowed, classifyAddress, type AddressPolicy } from './addresses.ts';

/** How outgoing requests find and judge addresses; tests inject a resolver and stand-in public hosts. */
export interface NetworkOptions {
  /** Resolves names (default: the system's, dns.lookup). */
  lookup?: LookupFunction;
  /** Addresses treated as public besides the global ones: a test's stand-in for a public server. */
  extraPublic?: ReadonlySet<string>;
}

/** A connection refused by its address; the message names the host, never what it resolved to. */
export class NonPublicAddressError extends Error {
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';

  constructor(host: string) {
    super(`${host} resolves to a non-public address`);
    this.name = 'NonPublicAddressError';
  }
}

/** An undici Agent whose every connection (first request, redirect hop, retry) obeys `policy`. */
export function createGuardedAgent(policy: AddressPolicy, options: NetworkOptions & { connectTimeoutMs?: number } = {}): Agent {
  const allowed = (address: string): boolean => addressAllowed(address, policy, options.extraPublic);
  const base = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup: guardedLookup(options.lookup ?? dnsLookup, allowed),
  });
  if (policy === 'any') return new Agent({ connect: base });
  return new Agent({
    connect: (connectOptions, callback) => {
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
      // net.connect does not call lookup for an address literal: judge it here, before connecting.
      if (isIP(host) !== 0 && !allowed(host)) return callback(new NonPublicAddressError(host), null);
      base(connectOptions, (err, socket) => {
        if (err !== null) return callback(err, null);
        const peer = socket.remoteAddress;
        if (peer === undefined || !allowed(peer)) {
          socket.destroy();
          return callback(new NonPublicAddressError(host), null);
        }
        callback(null, socket);
      });
    },
  });
}

/** A resolver that fails with NonPublicAddressError when any answer is not allowed. */
function guardedLookup(lookup: LookupFunction, allowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const answers = Array.isArray(address) ? address.map((a: LookupAddress) => a.address) : [address];
      // Any refused answer refuses the name: happy eyeballs may otherwise pick the private one.
      if (answers.some((a) => !allowed(a))) return callback(new NonPublicAddressError(hostname), address, family);
      callback(null, address, family);
    });
  };
}

/**
 * Whether `hostname` is on the operator's side of the network: an address literal or a name whose
 * every address is private or special. A name that does not resolve counts as public (the fetch then
 * fails on its own).
 */
export async function resolvesPrivately(hostname: string, network: NetworkOptions = {}): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const notPublic = (address: string): boolean => !network.extraPublic?.has(address) && classifyAddress(address) !== 'public';
  if (isIP(host) !== 0) return notPublic(host);
  const answers = await resolveAll(host, network.lookup ?? dnsLookup).catch(() => []);
  return answers.length > 0 && answers.every(notPublic);
}

/** Every address a name resolves to, through a callback-style lookup. */
export function resolveAll(hostname: string, lookup: LookupFunction): Promise<string[]> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all: true, verbatim: true }, (err, address) => {
      if (err) reject(err);
      else resolve(Array.isArray(address) ? address.map((a) => a.address) : [address]);
    });
  });
}
