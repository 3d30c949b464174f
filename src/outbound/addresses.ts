import { isIP } from 'node:net';

/**
 * What kind of address an outbound call would reach. Only `public` may be called without being
 * listed in OUTBOUND_ALLOWED_HOSTS; everything else is inside someone's network (or nowhere).
 */
export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link_local'
  | 'unique_local'
  | 'shared'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

/** An address as a number: 32 bits for IPv4, 128 for IPv6. */
export interface ParsedAddress {
  version: 4 | 6;
  value: bigint;
}

export function parseAddress(text: string): ParsedAddress | undefined {
  const ip = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(ip);
  if (kind === 4) return { version: 4, value: ipv4Value(ip) };
  if (kind !== 6) return undefined;
  const bare = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) does not change the address
  const [head = '', tail] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const groups = (s: string) => (s ? s.split(':') : []).flatMap(expandV4Tail);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return { version: 6, value: all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

function ipv4Value(ip: string): bigint {
  return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

/** A dotted IPv4 tail inside an IPv6 address (::ffff:10.0.0.1) is two 16-bit groups. */
function expandV4Tail(group: string): number[] {
  if (!group.includes('.')) return [parseInt(group, 16)];
  const v = Number(ipv4Value(group));
  return [Math.floor(v / 65536), v % 65536];
}

interface Range {
  base: bigint;
  prefix: number;
  kind: Exclude<AddressClass, 'public' | 'invalid'>;
}

const v4 = (cidr: string, kind: Range['kind']): Range => {
  const [base = '', prefix = '32'] = cidr.split('/');
  return { base: ipv4Value(base), prefix: Number(prefix), kind };
};

/** IANA's special-purpose IPv4 registry, as far as it matters for "may we call this". */
const V4_RANGES: readonly Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'), // carrier-grade NAT
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link_local'), // the cloud metadata service lives at 169.254.169.254
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // and 255.255.255.255
];

const inRange = (value: bigint, bits: number, base: bigint, prefix: number) =>
  value >> BigInt(bits - prefix) === base >> BigInt(bits - prefix);

function classifyV4(value: bigint): AddressClass {
  return V4_RANGES.find((r) => inRange(value, 32, r.base, r.prefix))?.kind ?? 'public';
}

const h = (hex: string) => BigInt(`0x${hex}`);

function classifyV6(value: bigint): AddressClass {
  if (value === 0n) return 'unspecified';
  if (value === 1n) return 'loopback';
  const low32 = value & 0xffffffffn;
  // Forms that carry an IPv4 address are judged by that address: IPv4-mapped (::ffff:a.b.c.d),
  // NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
  if (value >> 32n === 0xffffn) return classifyV4(low32);
  if (value >> 32n === h('0064ff9b0000000000000000')) return classifyV4(low32);
  if (value >> 112n === 0x2002n) return classifyV4((value >> 80n) & 0xffffffffn);
  if (value >> 32n === 0n) return 'reserved'; // IPv4-compatible (::a.b.c.d), deprecated
  if (inRange(value, 128, h('fc') << 120n, 7)) return 'unique_local';
  if (inRange(value, 128, h('fe80') << 112n, 10)) return 'link_local';
  if (inRange(value, 128, h('fec0') << 112n, 10)) return 'private'; // site-local, deprecated
  if (value >> 120n === 0xffn) return 'multicast';
  if (inRange(value, 128, h('20010db8') << 96n, 32)) return 'reserved'; // documentation
  if (inRange(value, 128, h('20010000') << 96n, 32)) return 'reserved'; // Teredo: tunnels to anywhere
  // Only 2000::/3 is global unicast; everything else is unassigned or special.
  if (value >> 125n !== 1n) return 'reserved';
  return 'public';
}

export function classifyAddress(ip: string): AddressClass {
  const a = parseAddress(ip);
  if (!a) return 'invalid';
  return a.version === 4 ? classifyV4(a.value) : classifyV6(a.value);
}

/** OUTBOUND_ALLOWED_HOSTS: host names (exact, case-insensitive), addresses and CIDR blocks. */
export interface OutboundAllowlist {
  hosts: ReadonlySet<string>;
  nets: ReadonlyArray<{ version: 4 | 6; base: bigint; prefix: number }>;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Parses the comma-separated list; throws with the first entry that is none of the three. */
export function parseOutboundAllowlist(text: string | undefined): OutboundAllowlist {
  const hosts = new Set<string>();
  const nets: Array<{ version: 4 | 6; base: bigint; prefix: number }> = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [base = '', prefixText, extra] = entry.split('/');
    const addr = parseAddress(base);
    if (addr && extra === undefined) {
      const bits = addr.version === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (!(prefix >= 0 && prefix <= bits)) throw new Error(`"${entry}" has a bad prefix length`);
      nets.push({ version: addr.version, base: addr.value, prefix });
    } else if (prefixText === undefined && HOST_NAME.test(entry)) {
      hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    } else {
      throw new Error(`"${entry}" is not a host name, an IP address or a CIDR block`);
    }
  }
  return { hosts, nets };
}

/** The address with an IPv4-mapped IPv6 form read as the IPv4 it is. */
function unmapped(a: ParsedAddress): ParsedAddress {
  return a.version === 6 && a.value >> 32n === 0xffffn ? { version: 4, value: a.value & 0xffffffffn } : a;
}

export function addressListed(ip: string, allow: OutboundAllowlist): boolean {
  const parsed = parseAddress(ip);
  if (!parsed) return false;
  const a = unmapped(parsed);
  const bits = a.version === 4 ? 32 : 128;
  return allow.nets.some((n) => n.version === a.version && inRange(a.value, bits, n.base, n.prefix));
}

export function hostListed(host: string, allow: OutboundAllowlist): boolean {
  return allow.hosts.has(host.toLowerCase().replace(/\.$/, ''));
}
