/**
 * Why a portal POST is refused as cross-site, or undefined when it may proceed. The portal keeps
 * no session, so a forged form cannot act as anyone — but another site could still make visitors'
 * browsers post lookups and starts (spending their address's rate limit, opening checkouts). The
 * browser says where a form came from: Sec-Fetch-Site (Fetch Metadata, https://www.w3.org/TR/fetch-metadata/
 * §2.4) when it sends it, else Origin (RFC 6454 §7; the Fetch standard sends it on every POST),
 * which must be PUBLIC_BASE_URL's origin. A request with neither is not from a current browser —
 * a script can forge any header anyway — and is let through.
 */
export function crossSiteReason(headers: { secFetchSite: string | undefined; origin: string | undefined }, publicBaseUrl: string): string | undefined {
  const site = headers.secFetchSite?.trim().toLowerCase();
  if (site) return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site ${site.slice(0, 20)}`;
  if (headers.origin === undefined) return undefined;
  let expected: string;
  try {
    expected = new URL(publicBaseUrl).origin;
  } catch {
    return 'PUBLIC_BASE_URL is not a URL';
  }
  return headers.origin.trim().toLowerCase() === expected.toLowerCase() ? undefined : `Origin ${headers.origin.slice(0, 100)}`;
}
