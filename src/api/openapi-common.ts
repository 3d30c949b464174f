import { z } from '@hono/zod-openapi';
import { ProblemSchema } from './problem.js';

/** Pieces every route's OpenAPI description shares. */
export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `Problem (${s})`, content: problemContent }]),
  ) as Record<number, { description: string; content: typeof problemContent }>;

/** What an Idempotency-Key may be (src/api/idempotency.ts refuses anything else). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, '1–255 printable ASCII characters')
    .optional()
    .openapi({ description: 'Same key and body return the original result; same key with another body is 422. Kept for IDEMPOTENCY_KEY_TTL (default P7D).' }),
});

export const RequiredIdempotencyHeaders = z.object({
  'idempotency-key': z
    .string({ error: 'Idempotency-Key is required: send a unique key per charge, the same on every retry' })
    .regex(IDEMPOTENCY_KEY_PATTERN, '1–255 printable ASCII characters')
    .openapi({ description: 'Required. A unique key per charge, the same on every retry: a retry answers the first result and never charges twice; same key with another body is 422.' }),
});

export const bearer = [{ bearerAuth: [] }];

/** Minor units as a JSON integer: 1815 is 18.15 in a two-decimal currency. */
export const AmountMinor = z
  .number()
  .int()
  .positive()
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ description: 'Integer minor units (1815 = 18.15 PLN)', example: 1815 });

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as PLN or EUR')
  .openapi({ example: 'PLN' });

export const IdParam = (example: string) =>
  z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, example }) });

/** `limit` and `cursor` as every keyset-paged list takes them. */
export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Rows per page (1–500)' }),
  cursor: z.string().max(300).optional().openapi({ description: 'next_cursor of the previous page, unchanged' }),
};

/** The shape of every list: a page of rows and the cursor of the next page (null on the last). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }) });

/** A moment: an RFC 3339 date-time, or a date (its midnight, UTC). */
export const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/, 'an RFC 3339 date-time (2026-12-01T00:00:00+01:00) or a date (2026-12-01, midnight UTC)')
  .refine((v) => !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)), 'not a real date')
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v));
