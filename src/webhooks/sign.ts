import { signWebhook } from '../gateways/standard-webhooks.js';

/** What of an endpoint signs its deliveries. */
export interface SigningSecrets {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/** How long a rotated-out secret keeps signing beside the new one, so a receiver can switch without a gap. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/**
 * The Standard Webhooks headers of one attempt (https://www.standardwebhooks.com/, "Signature
 * scheme"): webhook-id (the event id, the same on every attempt so receivers de-duplicate),
 * webhook-timestamp (seconds, this attempt's), and webhook-signature — "v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>" for the current secret and, during a rotation, for the previous one too,
 * space-separated as the spec allows.
 */
export function deliveryHeaders(e: SigningSecrets, webhookId: string, timestampSeconds: number, body: string, now: Date): Record<string, string> {
  const secrets = [e.secret];
  if (e.previous_secret && e.previous_secret_expires_at && e.previous_secret_expires_at > now) secrets.push(e.previous_secret);
  return {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signWebhook(s, webhookId, timestampSeconds, body)).join(' '),
  };
}
