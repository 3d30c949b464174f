import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature):
 * HMAC-SHA256 over "<id>.<timestamp>.<body>" keyed by the base64 secret after "whsec_",
 * sent as "v1,<base64>" (several space-separated signatures allowed while secrets rotate).
 */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export type SignatureProblem = 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
  };
}

/** Returns undefined when the message is authentic and fresh, else what is wrong with it. */
export function verifyWebhook(
  secret: string,
  headers: Partial<Record<string, string>>,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureProblem | undefined {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (!id || !ts || !sig) return 'missing_headers';
  if (!/^\d{1,12}$/.test(ts)) return 'bad_timestamp';
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return 'stale_timestamp';
  const expected = Buffer.from(signWebhook(secret, id, Number(ts), body).slice(3), 'base64');
  const ok = sig.split(' ').some((part) => {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return ok ? undefined : 'bad_signature';
}
