import { OSMP_PARAMS } from '../../terminals/osmp/protocol.js';

const KEPT: ReadonlySet<string> = new Set(OSMP_PARAMS);
export const REDACTED = '[redacted]';

/**
 * What the journal keeps of a query string or a form body: an allowlist, not a list of secrets.
 * A parameter the OSMP protocol defines keeps its value; every other one keeps its name and has
 * its value replaced by [redacted]. So a shared secret is dropped whatever the network (an unknown
 * one's included, whose secret parameter we cannot know) and however its name is spelled: the
 * name is decoded as the request's parser decodes it (application/x-www-form-urlencoded, WHATWG
 * URL Standard §5.1), so `%73ecret=` is `secret=`. The rest stays as it came: order, separators
 * and the encoding of every kept pair.
 */
export function redactUnknownParams(pairs: string): string {
  return pairs
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair; // a bare name: no value to drop
      const name = pair.slice(0, eq);
      return KEPT.has(decoded(name)) ? pair : `${name}=${REDACTED}`;
    })
    .join('&');
}

/** A path with its query string redacted; the path itself is kept (it names the network). */
export function redactPath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  return q < 0 ? pathAndQuery : `${pathAndQuery.slice(0, q + 1)}${redactUnknownParams(pathAndQuery.slice(q + 1))}`;
}

/**
 * A raw name as URLSearchParams decodes it (`+` a space, lenient %-decoding). Read as a value, not
 * a name: a lone pair starting with `?` would lose it, which the whole string's parse does not.
 */
function decoded(raw: string): string {
  return new URLSearchParams(`n=${raw}`).get('n') ?? '';
}
