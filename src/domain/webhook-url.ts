/**
 * An endpoint's URL as events show it: scheme, host, port and path, without the user, password,
 * query or fragment. Events go to every endpoint that subscribes to `*`, and receivers often put
 * a token in their URL (`?token=…`, `https://user:pass@…`); one receiver must never learn
 * another's. The API's own endpoint reads (scope `read`) still show the whole URL.
 */
export function urlForEvents(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
