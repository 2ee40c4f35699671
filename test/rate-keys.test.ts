// The rate limiters' client keys: the library's own keying (IPv6 by its /56, IPv4-mapped as IPv4),
// remembered per address and bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipKeyGenerator } from 'express-rate-limit';
import { rememberedIpKeys } from '../src/http/limits.ts';

test('an address has the key the library gives it', () => {
  const keyOf = rememberedIpKeys();
  assert.equal(keyOf('203.0.113.7'), '203.0.113.7');
  assert.equal(keyOf('::ffff:203.0.113.7'), '203.0.113.7', 'an IPv4-mapped address counts as the IPv4 client');
  // Two addresses of one /56 are one client; another /56 is another.
  assert.equal(keyOf('2001:db8:1:100::1'), keyOf('2001:db8:1:1ff:ffff::9'));
  assert.notEqual(keyOf('2001:db8:1:100::1'), keyOf('2001:db8:1:200::1'));
  for (const address of ['2001:db8:1:100::1', '::1', '127.0.0.1', 'fe80::1']) assert.equal(keyOf(address), ipKeyGenerator(address));
});

test('asked again, an address gets the same key, also past the bound', () => {
  const keyOf = rememberedIpKeys(2);
  const first = keyOf('2001:db8:aa:100::1');
  for (let i = 0; i < 10; i++) keyOf(`198.51.100.${i}`);
  assert.equal(keyOf('2001:db8:aa:100::1'), first);
  assert.equal(keyOf('2001:db8:aa:100::1'), ipKeyGenerator('2001:db8:aa:100::1'));
});
