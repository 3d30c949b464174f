import { isIP } from 'node:net';

/**
 * Callback IP allowlists: CIDR blocks (or single addresses) for IPv4 and IPv6. An IPv4 peer seen
 * as an IPv4-mapped IPv6 address (::ffff:10.0.0.1, as dual-stack sockets report it) counts as IPv4.
 */
export function ipAllowed(ip: string | undefined, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  if (!ip) return false;
  const peer = toBits(unmap(ip));
  if (!peer) return false;
  return allowlist.some((entry) => {
    const [base = '', prefixText] = entry.split('/');
    const net = toBits(unmap(base));
    if (!net || net.length !== peer.length) return false;
    const prefix = prefixText === undefined ? net.length : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > net.length) return false;
    return net.slice(0, prefix) === peer.slice(0, prefix);
  });
}

export function isValidCidr(entry: string): boolean {
  const [base = '', prefixText] = entry.split('/');
  const bits = toBits(base);
  if (!bits) return false;
  if (prefixText === undefined) return true;
  const prefix = Number(prefixText);
  return /^\d{1,3}$/.test(prefixText) && prefix <= bits.length;
}

/** Whether two CIDR blocks (or addresses) share any address: one holds the other. Another family never does. */
export function cidrsOverlap(a: string, b: string): boolean {
  const block = (entry: string) => {
    const [base = '', prefixText] = entry.split('/');
    const bits = toBits(unmap(base));
    return bits ? { bits, prefix: prefixText === undefined ? bits.length : Number(prefixText) } : undefined;
  };
  const x = block(a);
  const y = block(b);
  if (!x || !y || x.bits.length !== y.bits.length) return false;
  const common = Math.min(x.prefix, y.prefix);
  return x.bits.slice(0, common) === y.bits.slice(0, common);
}

function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** The address as a string of 32 or 128 '0'/'1' characters, or undefined if it is not one. */
function toBits(ip: string): string | undefined {
  const kind = isIP(ip);
  if (kind === 4) return ip.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (kind !== 6) return undefined;
  const [head = '', tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const part = (s: string) => (s ? s.split(':') : []);
  let groups = [...part(head)];
  let rest = tail === undefined ? [] : part(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4 not unmapped, 64:ff9b::1.2.3.4) is two groups.
  const expand = (gs: string[]) =>
    gs.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const o = g.split('.').map(Number);
      return [(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16), (((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)];
    });
  groups = expand(groups);
  rest = expand(rest);
  const fill = tail === undefined ? [] : new Array<string>(8 - groups.length - rest.length).fill('0');
  return [...groups, ...fill, ...rest].map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/**
 * The block a rate limit counts an address in, as a CIDR: an IPv4 address alone (an IPv4-mapped
 * IPv6 one as its IPv4), an IPv6 address by its /64 — one subscriber's LAN is a /64 (RFC 6177 §3,
 * RFC 7421), so counting single IPv6 addresses would give a stranger 2^64 fresh ones. Undefined
 * when it is not an address (then only the same text counts together).
 */
export function rateLimitBlock(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const plain = unmap(ip);
  const bits = toBits(plain);
  if (!bits) return undefined;
  if (bits.length === 32) return `${plain}/32`;
  const groups = [0, 1, 2, 3].map((i) => parseInt(bits.slice(i * 16, i * 16 + 16), 2).toString(16));
  return `${groups.join(':')}::/64`;
}
