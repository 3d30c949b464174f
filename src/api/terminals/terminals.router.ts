import { OpenAPIHono, z } from '@hono/zod-openapi';
import { journalInbound, type NewInboundRequest } from '../../db/inbound-requests.js';
import { decideTerminalRequest, TERMINAL_CHANNEL } from '../../db/terminal-journal.js';
import { runOsmp, refusalAnswer } from '../../terminals/osmp/commands.js';
import { OSMP_RESULTS, parseOsmpRequest } from '../../terminals/osmp/protocol.js';
import { OSMP_CONTENT_TYPE, type OsmpAnswer, osmpXml } from '../../terminals/osmp/xml.js';
import type { TerminalSettings } from '../../terminals/settings.js';
import type { AppEnv } from '../env.js';
import { readBodyCapped, redactedHeaders, sourceIp } from '../inbound.js';
import { redactPath, redactUnknownParams } from './journal-redaction.js';
import { requestParams, screenTerminal, standingOf, TERMINAL_BODY_BYTES } from './screen.js';

/** Of a request from an address we do not take, the journal keeps this much. */
const STRANGER_BODY_BYTES = 1024;

const Query = z.object({
  command: z.enum(['check', 'pay']).optional().openapi({ example: 'check' }),
  txn_id: z.string().optional().openapi({ description: "The terminal network's transaction id: digits, at most 20", example: '1234567' }),
  account: z.string().optional().openapi({ description: 'What the payer typed (contract, login, phone, uid — per the network\'s identification)', example: '4957835959' }),
  sum: z.string().optional().openapi({ description: 'A decimal with a dot and at most the currency\'s decimals', example: '10.45' }),
  txn_date: z.string().optional().openapi({ description: 'pay: YYYYMMDDHHMMSS in the network\'s time zone', example: '20050815120133' }),
});
const xmlContent = { 'text/xml': { schema: z.string().openapi({ example: '<?xml version="1.0" encoding="UTF-8"?>\n<response>…</response>' }) } };

/**
 * Terminal networks (OSMP / QIWI check-pay). In order: the network and the sender's address (an
 * unknown address is refused, as ABillS refuses "Unknown payment system"), the size, the
 * credentials, the parameters; every request is journaled (channel 'terminal') with its verdict
 * before anything acts, and answered only after that row commits. A request that cannot be
 * journaled (Postgres away) or fails while it runs is answered result 1, which the terminal
 * retries; a pay's own transaction rolls back, so nothing is half done.
 */
export function terminalsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  for (const method of ['get', 'post'] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: '/v1/terminals/{gateway}',
      tags: ['Payment terminals'],
      summary: `OSMP check/pay from a terminal network (${method === 'post' ? 'form-encoded body' : 'query string'})`,
      request: { params: z.object({ gateway: z.string().openapi({ param: { name: 'gateway', in: 'path' }, example: 'osmp' }) }), query: Query },
      responses: {
        200: {
          description:
            'The protocol\'s answer, refusals included: <result> 0 OK, 1 retry later, 4/5/7/8/79/90/241/242/243/300 refusals (300 "Unknown payment system" for an unknown network or address, 7 for wrong credentials, 300 for a body over 8 KB)',
          content: xmlContent,
        },
        401: { description: 'basic_auth is configured and no Authorization was sent: the Basic challenge (result 7)', content: xmlContent },
      },
    });
  }

  let byName: Map<string, TerminalSettings> | undefined;
  app.on(['GET', 'POST'], '/v1/terminals/:gateway', async (c) => {
    const deps = c.get('deps');
    byName ??= new Map((deps.config.terminals ?? []).map((t) => [t.name, t]));
    const name = c.req.param('gateway');
    const terminal = byName.get(name);
    const ip = sourceIp(c);
    const standing = standingOf(terminal, ip);
    const { text, truncated } = await readBodyCapped(c.req.raw, standing.allowed ? TERMINAL_BODY_BYTES : STRANGER_BODY_BYTES);
    const url = new URL(c.req.url);
    const headers = c.req.header();
    const params = requestParams(c.req.url, c.req.method, headers['content-type'], text);
    const echo = (params.txn_id ?? '').slice(0, 20);
    const request: NewInboundRequest = {
      channel: TERMINAL_CHANNEL,
      source: terminal ? terminal.name : name.slice(0, 64),
      method: c.req.method,
      // Secrets are dropped by an allowlist of the protocol's parameters, for known and unknown networks alike.
      path: redactPath(`${url.pathname}${url.search}`).slice(0, 2000),
      headers: redactedHeaders(headers),
      // Read as form pairs whatever its content type says: a mislabelled form keeps no secret either.
      body: redactUnknownParams(text),
      bodyTruncated: truncated,
      sourceIp: ip,
    };
    const reply = (a: OsmpAnswer, challenge = false) => {
      // Labels from the configuration and the protocol only: a stranger's path or command adds no series.
      const command = params.command === 'check' || params.command === 'pay' ? params.command : 'other';
      deps.metrics.terminalAnswers.inc({ network: terminal ? terminal.name : '(unknown)', command, result: String(a.result) });
      const extra: Record<string, string> = { 'content-type': OSMP_CONTENT_TYPE };
      if (challenge && terminal?.basicAuth) extra['www-authenticate'] = `Basic realm="${terminal.name}", charset="UTF-8"`;
      const status = challenge ? 401 : 200;
      if (truncated) extra.connection = 'close';
      return c.body(osmpXml(a), status, extra);
    };
    const retryLater = (err: unknown) => {
      c.get('log').warn({ err, gateway: name }, 'terminal request not handled; answered result 1 (the terminal retries)');
      return reply(refusalAnswer(echo, 'temporary'));
    };

    const screened = screenTerminal(terminal, standing, truncated, { authorization: headers.authorization, params });
    if (!screened.ok) {
      const r = screened.refusal;
      try {
        await journalInbound(deps.pool, request, { outcome: r.outcome, detail: `result ${OSMP_RESULTS[r.result]}: ${r.comment}` });
      } catch (err) {
        return retryLater(err);
      }
      return reply(refusalAnswer(echo, r.result, r.comment), r.challenge);
    }
    const { terminal: network, testAddress, mode } = screened;

    const parsed = parseOsmpRequest(params, network.currency, network.timezone);
    if (!parsed.ok) {
      try {
        await journalInbound(deps.pool, request, { outcome: 'rejected_malformed', detail: `result ${refusalAnswer(echo, parsed.result).result}: ${parsed.comment}` });
      } catch (err) {
        return retryLater(err);
      }
      return reply(refusalAnswer(parsed.txnId, parsed.result, parsed.comment));
    }
    let journalId: bigint;
    try {
      journalId = await journalInbound(deps.pool, request);
    } catch (err) {
      return retryLater(err);
    }
    try {
      // PAYSYS_TEST_USER: a test address's request pays into the test account, whatever it typed.
      const typed = testAddress && network.testAccount !== null ? network.testAccount : parsed.request.account;
      const done = await runOsmp(
        {
          pool: deps.pool,
          callbackDispatch: deps.callbackDispatch,
          now: deps.now,
          identifyPayer: deps.identifyPayer,
          rates: { timeZone: deps.config.EXCHANGE_RATE_TIME_ZONE, maxAgeDays: deps.config.EXCHANGE_RATE_MAX_AGE_DAYS },
        },
        network,
        parsed.request,
        { journalId, mode, typed },
      );
      if (done.journal) await decideTerminalRequest(deps.pool, journalId, done.journal.outcome, done.journal.detail);
      return reply(done.answer);
    } catch (err) {
      // The row is marked rejected_busy with why: whatever ran rolled back, and the terminal sends it again.
      await decideTerminalRequest(deps.pool, journalId, 'rejected_busy', 'not handled (answered result 1): the terminal retries').catch(() => undefined);
      return retryLater(err);
    }
  });
  return app;
}
