import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { inTransaction } from './pool.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant: every Tollgate process that migrates takes this advisory lock. */
const MIGRATION_LOCK = 7_240_117;

export interface Migration {
  id: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ id: f.replace(/\.sql$/, ''), sql: await readFile(dir + f, 'utf8') })));
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so two processes that
 * start at once serialise: the second waits, then sees every id recorded and applies nothing.
 * Returns the ids it applied.
 */
export async function migrate(pool: pg.Pool, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return inTransaction(pool, async (tx) => {
    await tx.query({ text: 'SELECT pg_advisory_xact_lock($1::bigint)', values: [MIGRATION_LOCK] });
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await tx.query<{ id: string }>('SELECT id FROM schema_migrations');
    const applied = new Set(done.rows.map((r) => r.id));
    const ran: string[] = [];
    for (const m of all) {
      if (applied.has(m.id)) continue;
      await tx.query({ text: 'INSERT INTO schema_migrations (id) VALUES ($1)', values: [m.id] });
      await tx.query(m.sql);
      ran.push(m.id);
    }
    return ran;
  });
}
