import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The portal's pages pass their state in a hidden form field, sealed (AES-256-GCM) with
 * PORTAL_FORM_SECRET: the payer can neither read it (it names the customer's id) nor change it
 * (the sum step cannot be pointed at another customer), and it ends at `exp`. It is NOT a CSRF
 * token: anyone can fetch GET /pay and copy a fresh lookup form into a page of their own, so the
 * POSTs check where they were sent from instead (same-origin.ts).
 */
const Payer = {
  exp: z.number(),
  customerId: z.string(),
  maskedName: z.string(),
  currency: z.string(),
  balance: z.string().nullable(),
  recommended: z.string().nullable(),
};

export const SealedForm = z.discriminatedUnion('k', [
  /** The identifier form, as GET /pay rendered it. */
  z.object({ k: z.literal('lookup'), exp: z.number() }),
  /** Who the lookup found, for the sum step (and the confirm page's "Change the sum"); amounts are minor units as strings. */
  z.object({ k: z.literal('payer'), ...Payer }),
  /**
   * The confirm page's Pay buttons: the payer, the chosen sum, and a nonce drawn for this page
   * alone, from which the start derives its once-only key (start-once.ts). The sum is sealed too,
   * so what a repeat answers is the payment of exactly the sum this page showed.
   */
  z.object({ k: z.literal('offer'), ...Payer, sum: z.string().regex(/^[1-9][0-9]{0,18}$/), nonce: z.string().regex(/^[A-Za-z0-9_-]{22}$/) }),
]);
export type SealedForm = z.infer<typeof SealedForm>;

/** A fresh nonce for one confirm page: 128 random bits (crypto), base64url. */
export const newNonce = (): string => randomBytes(16).toString('base64url');

/** How long a page's form stays usable: long enough to find a card, short enough to go stale. */
export const FORM_TTL_MS = 30 * 60_000;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The cipher key, kept apart from any other use of the secret by its label. */
function keyOf(secret: string): Buffer {
  return createHash('sha256').update('tollgate portal form v1\u0000').update(secret).digest();
}

export function sealForm(secret: string, form: SealedForm): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(form), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The form's state if it was sealed with this secret, is of kind `kind` and has not expired; else undefined. */
export function openForm<K extends SealedForm['k']>(secret: string, token: unknown, kind: K, now: Date): Extract<SealedForm, { k: K }> | undefined {
  if (typeof token !== 'string' || token.length > 4096) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined; // not ours, or changed
  }
  let parsed: SealedForm | undefined;
  try {
    parsed = SealedForm.safeParse(JSON.parse(text)).data;
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.k !== kind || parsed.exp <= now.getTime()) return undefined;
  return parsed as Extract<SealedForm, { k: K }>;
}
