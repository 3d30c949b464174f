import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listInbound } from '../../db/inbound-requests.js';
import { TERMINAL_CHANNEL } from '../../db/terminal-journal.js';
import { listTerminalTransactions } from '../../db/terminal-transactions.js';
import { toJsonMinor } from '../../domain/money.js';
import { ValidationError } from '../../domain/errors.js';
import { InboundFields, inboundFieldsJson } from '../callbacks/journal.router.js';
import { pageOf as cursorPage } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';
import { AmountMinor, bearer, pageOf, PageQuery, problemResponses } from '../openapi-common.js';

/** What a terminal request's row can end as (src/api/terminals/screen.ts, terminals.router.ts, src/terminals). */
const TERMINAL_OUTCOMES = ['received', 'accepted', 'delivered', 'duplicate', 'rejected_unknown_gateway', 'rejected_source', 'rejected_signature', 'rejected_malformed', 'rejected_too_large', 'rejected_busy'] as const;

const TerminalRequest = z
  .object({ ...InboundFields, network: z.string() })
  .openapi('TerminalRequest', { description: 'One request a terminal network sent (or an address posing as one), as journaled before it acted' });

const TerminalTransaction = z
  .object({
    prv_txn: z.string().openapi({ description: 'The number the pay was answered with (decimal text: it may exceed 2^53)', example: '1042' }),
    network: z.string(),
    txn_id: z.string().openapi({ description: "The network's txn_id, without leading zeros", example: '1234567' }),
    account: z.string().openapi({ description: 'What the payer typed' }),
    account_kind: z.enum(['contract', 'login', 'phone', 'uid']).openapi({ description: 'The identifier kind that found the customer' }),
    customer_id: z.string(),
    amount: AmountMinor,
    currency: z.string(),
    txn_date: z.string().openapi({ description: "txn_date as the terminal sent it, in the network's time zone", example: '20261202101500' }),
    txn_at: z.string().openapi({ description: 'The instant txn_date means (RFC 3339, UTC)' }),
    payment_id: z.string(),
    mode: z.enum(['test', 'live']),
    request_id: z.number().int().openapi({ description: 'The journaled request that paid it (GET /v1/terminal-requests)' }),
    created_at: z.string(),
  })
  .openapi('TerminalTransaction');

const Cursor = z.string().regex(/^[1-9]\d{0,17}$/, 'pass next_cursor back unchanged').optional().openapi({ description: 'next_cursor of the previous page, unchanged' });

const listRequestsRoute = createRoute({
  method: 'get',
  path: '/v1/terminal-requests',
  tags: ['Payment terminals'],
  summary: "The terminal networks' journal: every check and pay request, refused ones included, newest first",
  description:
    'Raw query or body (values of parameters other than command, txn_id, account, sum and txn_date redacted), headers (credentials redacted), source address and how it was answered in `outcome_detail` ("check: result 0 (…)", "pay: prv_txn …, payment succeeded", "result 5: account not found"). A request from an address no network allows is journaled under the network name it asked for.',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: {
    query: z.object({
      network: z.string().max(64).optional(),
      outcome: z.enum(TERMINAL_OUTCOMES).optional(),
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Received at or after (ISO 8601)' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Received before (ISO 8601)' }),
      limit: PageQuery.limit,
      cursor: Cursor,
    }),
  },
  responses: {
    200: { description: 'A page of the journal', content: { 'application/json': { schema: pageOf(TerminalRequest) } } },
    ...problemResponses(400, 401, 403),
  },
});

const listTransactionsRoute = createRoute({
  method: 'get',
  path: '/v1/terminal-transactions',
  tags: ['Payment terminals'],
  summary: 'Pays terminal networks made, newest first: what became of a txn_id',
  description: 'Only accepted pays are kept (a refused pay is a journal row, GET /v1/terminal-requests). A txn_id is looked up within its network (`network` is required with it), in both modes unless `mode` is given: a test address\'s txn_ids are apart from the live ones.',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    query: z.object({
      network: z.string().max(64).optional(),
      txn_id: z.string().regex(/^\d{1,20}$/, 'digits, at most 20').optional().openapi({ example: '1234567' }),
      customer_id: z.string().max(100).optional(),
      mode: z.enum(['test', 'live']).optional(),
      limit: PageQuery.limit,
      cursor: Cursor,
    }),
  },
  responses: {
    200: { description: 'A page of terminal transactions', content: { 'application/json': { schema: pageOf(TerminalTransaction) } } },
    ...problemResponses(400, 401, 403),
  },
});

/** Reading what terminal networks sent and paid (the protocol endpoint is src/api/terminals/terminals.router.ts). */
export function terminalRecordsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listRequestsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listInbound(c.get('deps').pool, {
      channel: TERMINAL_CHANNEL,
      source: q.network,
      outcome: q.outcome,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: q.cursor ? BigInt(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    const p = cursorPage(rows, q.limit, (last) => last.id.toString());
    return c.json({ data: p.data.map((r) => ({ ...inboundFieldsJson(r), network: r.source })), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(listTransactionsRoute, async (c) => {
    const q = c.req.valid('query');
    // A txn_id is the network's own: it names a pay only with the network, and (gateway, mode,
    // txn_id) is the key that finds it.
    if (q.txn_id !== undefined && q.network === undefined) {
      throw new ValidationError('txn_id is looked up within one network: give network too', { errors: [{ path: 'network', message: 'required with txn_id' }] });
    }
    // The protocol's txn_id is a number: leading zeros name the same transaction (stored without them).
    const txnId = q.txn_id?.replace(/^0+(?=\d)/, '');
    if (txnId === '0') throw new ValidationError('txn_id 0 is no transaction', { errors: [{ path: 'txn_id', message: 'a positive number' }] });
    const rows = await listTerminalTransactions(c.get('deps').pool, {
      gateway: q.network,
      txnId,
      customerId: q.customer_id,
      mode: q.mode,
      beforePrvTxn: q.cursor ? BigInt(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    const p = cursorPage(rows, q.limit, (last) => last.prv_txn.toString());
    return c.json(
      {
        data: p.data.map((r) => ({
          prv_txn: r.prv_txn.toString(),
          network: r.gateway,
          txn_id: r.txn_id,
          account: r.account,
          account_kind: r.account_kind,
          customer_id: r.customer_id,
          amount: toJsonMinor(r.sum_minor),
          currency: r.currency,
          txn_date: r.txn_date_local,
          txn_at: r.txn_at.toISOString(),
          payment_id: r.payment_id,
          mode: r.mode,
          request_id: Number(r.journal_id),
          created_at: r.created_at.toISOString(),
        })),
        next_cursor: p.next_cursor,
      },
      200,
    );
  });
  return app;
}
