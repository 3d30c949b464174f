import { z } from '@hono/zod-openapi';
import { ProblemSchema } from './problem.js';

/** Pieces every route's OpenAPI description shares. */
export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `Problem (${s})`, content: problemContent }]),
  ) as Record<number, { description: string; content: typeof problemContent }>;

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: 'Same key and body return the original result; same key with another body is 422.' }),
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
