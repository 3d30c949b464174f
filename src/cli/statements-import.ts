import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';

/**
 * `tollgate statements import FILE`: sends the file to a running Tollgate API (the one `npm start`
 * runs, by default) with the admin key, so an import from the command line is journaled, matched
 * and answered exactly as an upload over HTTP is.
 */
export async function importStatementCommand(
  config: Config,
  args: { file: string; format?: string | undefined; csvMap?: string | undefined; api?: string | undefined; key?: string | undefined },
  out: (line: string) => void,
): Promise<number> {
  if (!existsSync(args.file)) throw new ConfigError(`no such file: ${args.file}`);
  const key = args.key ?? config.TOLLGATE_ADMIN_API_KEY ?? readKeyFile(join(config.TOLLGATE_DATA_DIR, 'admin-api-key'));
  if (!key) throw new ConfigError('no API key: pass --key, set TOLLGATE_ADMIN_API_KEY, or run `npm start` once (it writes .data/admin-api-key)');
  const api = (args.api ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  const query = new URLSearchParams({ file_name: basename(args.file) });
  if (args.format) query.set('format', args.format);
  if (args.csvMap) query.set('csv_map', args.csvMap);
  const res = await fetch(`${api}/v1/bank-statements?${query.toString()}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(args.file),
  }).catch((err: unknown) => {
    throw new ConfigError(`cannot reach the Tollgate API at ${api} (is \`npm start\` running? --api URL): ${err instanceof Error ? err.message : String(err)}`);
  });
  const body = (await res.json().catch(() => ({}))) as { detail?: string; errors?: Array<{ path: string; message: string }>; [k: string]: unknown };
  if (!res.ok) {
    out(`import refused (${res.status}): ${body.detail ?? res.statusText}`);
    for (const e of body.errors ?? []) out(`  at ${e.path}: ${e.message}`);
    return 1;
  }
  out(`${res.status === 200 ? 'already imported' : 'imported'}: ${String(body.id)} (${String(body.format)}, ${String(body.line_count)} lines, ${String(body.status)})`);
  for (const [outcome, n] of Object.entries((body.outcomes as Record<string, number> | undefined) ?? {})) out(`  ${outcome.padEnd(16)} ${n}`);
  out(`details: ${api}/v1/bank-statements/${String(body.id)}`);
  return 0;
}

function readKeyFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
