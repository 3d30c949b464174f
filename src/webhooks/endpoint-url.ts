import { isIP } from 'node:net';
import { addressListed, classifyAddress, hostListed, type OutboundAllowlist } from '../outbound/addresses.js';
import { outboundUrlProblem } from '../outbound/safe-request.js';

/** Longer URLs are not endpoints anyone types; they only bloat every delivery row's join. */
export const ENDPOINT_URL_MAX_LENGTH = 2048;

/**
 * Names that never leave the network they are asked in: RFC 6761 (localhost, .localhost),
 * RFC 6762 (.local, mDNS), RFC 8375 (.home.arpa), and the suffixes clouds and routers give their
 * inside (.internal — metadata.google.internal —, .lan, .intranet, .corp, .localdomain).
 */
const INSIDE_SUFFIXES = ['localhost', 'local', 'home.arpa', 'internal', 'lan', 'intranet', 'corp', 'localdomain'];

export interface EndpointUrlPolicy {
  production: boolean;
  allow: OutboundAllowlist;
}

/**
 * Why a webhook endpoint URL is refused when it is registered, or undefined. This is the early,
 * readable check; safeRequest checks every address a name resolves to again at send time, so a name
 * that resolves inside later (DNS rebinding) is still never called.
 */
export function endpointUrlProblem(url: string, policy: EndpointUrlPolicy): string | undefined {
  if (url.length > ENDPOINT_URL_MAX_LENGTH) return `must be at most ${ENDPOINT_URL_MAX_LENGTH} characters`;
  const shape = outboundUrlProblem(url);
  if (shape) return shape;
  const u = new URL(url);
  // What is stored is the parsed form, which percent-encoding can make longer.
  if (u.href.length > ENDPOINT_URL_MAX_LENGTH) return `must be at most ${ENDPOINT_URL_MAX_LENGTH} characters once encoded`;
  if (policy.production && u.protocol !== 'https:') return 'must be an https URL in production (the body carries payment data)';
  // WHATWG URL has already turned 0x7f.1, 2130706433 and the like into dotted IPv4.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (hostListed(host, policy.allow)) return undefined;
  if (isIP(host)) {
    const kind = classifyAddress(host);
    if (kind === 'public' || addressListed(host, policy.allow)) return undefined;
    return `points at a ${kind.replace('_', '-')} address (${host}), which webhooks may not reach unless OUTBOUND_ALLOWED_HOSTS lists it`;
  }
  const name = host.replace(/\.$/, '');
  const inside = INSIDE_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  if (inside || !name.includes('.')) {
    const why = inside ? `.${inside} names stay inside their network` : 'a name without a domain';
    return `names the host "${name}", which is not public (${why}), and OUTBOUND_ALLOWED_HOSTS does not list it`;
  }
  return undefined;
}
