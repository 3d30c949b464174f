/**
 * An endpoint's URL as events show it: its origin only (scheme, host, port). Events go to every
 * endpoint that subscribes to `*`, and receivers put their secret in the URL — in the query
 * (`?token=…`) and as often in the path (Slack's `/services/T…/B…/<secret>`, Discord's
 * `/api/webhooks/<id>/<token>`) —; one receiver must never learn another's. `endpoint_id` names
 * the endpoint; the API's own endpoint reads (scope `read`) still show the whole URL.
 */
export function urlForEvents(url: string): string {
  return new URL(url).origin;
}
