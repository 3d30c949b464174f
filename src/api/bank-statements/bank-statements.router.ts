import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { countOutcomes, findStatement, listLines, listStatements, MAX_LINE_NO } from '../../db/bank-statements.js';
import { NotFoundError, PayloadTooLargeError } from '../../domain/errors.js';
import { waitForStatementImport } from '../../temporal/queries.js';
import { decodeCursor, keysetCursor, pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { journalHeaders, readBytesCapped, sourceIp } from '../inbound.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, problemContent, problemResponses } from '../openapi-common.js';
import { importInSlot, importsBusy, journalStatementUpload, refuseUpload, UploadQuery } from './import-file.js';
import { BankStatement, statementJson } from './statement-json.js';

/** How long an upload waits for the import to finish before answering with what is decided so far. */
const IMPORT_WAIT_MS = 10_000;
const DEFAULT_LINES = 1000;

const getStatementRoute = createRoute({
  method: 'get',
  path: '/v1/bank-statements/{id}',
  tags: ['Bank statements'],
  summary: 'A statement with every line and its outcome',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: {
    params: IdParam('stm_4dPq0Xk2mN7sLr1v'),
    query: z.object({
      after_line: z.coerce.number().int().min(0).max(MAX_LINE_NO).default(0),
      limit: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_LINES),
    }),
  },
  responses: { 200: { description: 'The statement', content: { 'application/json': { schema: BankStatement } } }, ...problemResponses(401, 403, 404) },
});

const listStatementsRoute = createRoute({
  method: 'get',
  path: '/v1/bank-statements',
  tags: ['Bank statements'],
  summary: 'Imported statements, newest first (without lines)',
  security: bearer,
  middleware: [requireScope('read')] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(300).optional() }) },
  responses: {
    200: { description: 'A page', content: { 'application/json': { schema: z.object({ data: z.array(BankStatement.omit({ lines: true, next_cursor: true })), next_cursor: z.string().nullable() }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export function bankStatementsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/bank-statements',
    tags: ['Bank statements'],
    summary: 'Import a bank statement (camt.053, camt.054, MT940, or CSV with a named column map)',
    description:
      'The file is the request body, or the multipart field `file` (with optional fields `format`, `csv_map`). The same file twice is one import (keyed by its SHA-256). ' +
      'Lines are matched by reference and amount to open temporary payments and pending bank-transfer payments; the answer waits up to 10 s for the import to finish. ' +
      'A file that cannot be read is a 422 naming where it broke, and imports nothing; so is an XML file with a `<!DOCTYPE>` or `<!ENTITY>`, and a file whose parsing ' +
      'takes longer than STATEMENT_PARSE_TIMEOUT_MS (it is parsed on a worker thread, which is then stopped). When STATEMENT_MAX_CONCURRENT_IMPORTS imports are already ' +
      'running in this API process the upload is refused with 429 and `Retry-After` before its body is read; nothing is imported and the upload is journaled as `rejected_busy`. ' +
      'A `Content-Length` over STATEMENT_MAX_BYTES is a 413 before the body is read; a file of more than STATEMENT_MAX_LINES lines is a 422.',
    security: bearer,
    request: {
      query: UploadQuery,
      body: {
        content: {
          'application/xml': { schema: z.string() },
          'text/plain': { schema: z.string() },
          'multipart/form-data': { schema: z.object({ file: z.any().openapi({ type: 'string', format: 'binary' }), format: z.string().optional(), csv_map: z.string().optional() }) },
        },
      },
    },
    responses: {
      200: { description: 'This file was imported before: the earlier import', content: { 'application/json': { schema: BankStatement } } },
      201: { description: 'Imported', content: { 'application/json': { schema: BankStatement } } },
      400: { description: 'Bad parameters', content: problemContent },
      413: { description: 'File too large', content: problemContent },
      422: { description: 'The file cannot be read', content: problemContent },
      429: { description: 'Too many imports running; retry after the Retry-After seconds', content: problemContent },
      503: { description: 'Temporal unreachable; nothing imported', content: problemContent },
    },
  });

  app.post('/v1/bank-statements', requireScope('billing'), async (c) => {
    const deps = c.get('deps');
    const cap = deps.config.STATEMENT_MAX_BYTES;
    const origin = { source: 'api', method: c.req.method, path: c.req.path, headers: journalHeaders(c), sourceIp: sourceIp(c) };
    // Refused before a byte of the body is read, so a refusal costs no memory: a declared length
    // over the cap (413), then no free import slot (429). Either is journaled with its headers only.
    const declared = Number(c.req.header('content-length'));
    const release = declared > cap ? undefined : deps.statementImports.tryAcquire();
    let imported;
    try {
      if (!release) {
        const err = declared > cap ? new PayloadTooLargeError(`statement files are limited to ${cap} bytes`) : importsBusy(deps.statementImports);
        await refuseUpload(deps.pool, await journalStatementUpload(deps.pool, origin, Buffer.alloc(0), true), err);
        throw err;
      }
      // Read under the slot: at most STATEMENT_MAX_CONCURRENT_IMPORTS bodies are in memory at once.
      const { bytes, truncated } = await readBytesCapped(c.req.raw, cap);
      const journalId = await journalStatementUpload(deps.pool, origin, bytes, truncated);
      try {
        if (truncated) throw new PayloadTooLargeError(`statement files are limited to ${cap} bytes`);
        imported = await importInSlot(deps, { bytes, contentType: c.req.header('content-type') ?? '', params: c.req.query(), journalId, handOver: true });
      } catch (err) {
        await refuseUpload(deps.pool, journalId, err);
        throw err;
      }
    } finally {
      release?.();
    }
    const { statement, duplicate } = imported;
    if (statement.status !== 'done') {
      await waitForStatementImport(deps.temporal, statement.sha256, IMPORT_WAIT_MS);
    }
    const current = (await findStatement(deps.pool, statement.id)) ?? statement;
    const lines = await listLines(deps.pool, statement.id, 0, DEFAULT_LINES + 1);
    return c.json(statementJson(current, await countOutcomes(deps.pool, statement.id), lines, DEFAULT_LINES), duplicate ? 200 : 201);
  });

  app.openapi(getStatementRoute, async (c) => {
    const { pool } = c.get('deps');
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const statement = await findStatement(pool, id);
    if (!statement) throw new NotFoundError('no such bank statement');
    const lines = await listLines(pool, id, q.after_line, q.limit + 1);
    return c.json(statementJson(statement, await countOutcomes(pool, id), lines, q.limit), 200);
  });

  app.openapi(listStatementsRoute, async (c) => {
    const { pool } = c.get('deps');
    const q = c.req.valid('query');
    const rows = await listStatements(pool, q.limit + 1, decodeCursor(q.cursor));
    const p = pageOf(rows, q.limit, keysetCursor);
    const data = await Promise.all(
      p.data.map(async (s) => {
        const { lines: _lines, next_cursor: _next, ...rest } = statementJson(s, await countOutcomes(pool, s.id), [], 1);
        return rest;
      }),
    );
    return c.json({ data, next_cursor: p.next_cursor }, 200);
  });

  return app;
}
