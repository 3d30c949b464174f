import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import { IMPORT_SOURCES, type ImportSource } from '../rates/types.js';

/**
 * `tollgate rates import --source ecb|nbp FILE-OR-URL`: hands the file (or the URL, which the API
 * then fetches under OUTBOUND_ALLOWED_HOSTS) to a running Tollgate API with the admin key, so an
 * import from the command line is journaled, checked and stored exactly as an upload over HTTP is.
 */
export async function importRatesCommand(
  config: Config,
  args: { source: string | undefined; target: string; api?: string | undefined; key?: string | undefined },
  out: (line: string) => void,
): Promise<number> {
  if (!IMPORT_SOURCES.includes(args.source as ImportSource)) throw new ConfigError(`--source must be ${IMPORT_SOURCES.join(' or ')}`);
  const isUrl = /^https?:\/\//i.test(args.target);
  if (!isUrl && !existsSync(args.target)) throw new ConfigError(`no such file: ${args.target}`);
  const key = args.key ?? config.TOLLGATE_ADMIN_API_KEY ?? readKeyFile(join(config.TOLLGATE_DATA_DIR, 'admin-api-key'));
  if (!key) throw new ConfigError('no API key: pass --key, set TOLLGATE_ADMIN_API_KEY, or run `npm start` once (it writes .data/admin-api-key)');
  const api = (args.api ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  const query = new URLSearchParams({ source: args.source as string });
  if (isUrl) query.set('url', args.target);
  const res = await fetch(`${api}/v1/exchange-rates/imports?${query.toString()}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
    ...(isUrl ? {} : { body: readFileSync(args.target) }),
  }).catch((err: unknown) => {
    throw new ConfigError(`cannot reach the Tollgate API at ${api} (is \`npm start\` running? --api URL): ${err instanceof Error ? err.message : String(err)}`);
  });
  const body = (await res.json().catch(() => ({}))) as { detail?: string; errors?: Array<{ path: string; message: string }>; days?: string[]; rates?: number; inserted?: number };
  if (!res.ok) {
    out(`import refused (${res.status}): ${body.detail ?? res.statusText}`);
    for (const e of body.errors ?? []) out(`  at ${e.path}: ${e.message}`);
    return 1;
  }
  const days = body.days ?? [];
  out(`${res.status === 201 ? 'imported' : 'already imported'}: ${args.source} ${days[0] ?? ''}${days.length > 1 ? `…${days.at(-1) ?? ''}` : ''}, ${body.inserted ?? 0} of ${body.rates ?? 0} rates new`);
  return 0;
}

function readKeyFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
