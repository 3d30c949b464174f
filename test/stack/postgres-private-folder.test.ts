import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/cli/stack/postgres.js';
import { privateDir } from '../support/cli-run.js';
import { freePort } from '../support/free-port.js';
import { testSystemDir } from '../support/system-dir.js';

/**
 * As root, Postgres runs as the `postgres` user, who cannot enter a private (0700) folder such as
 * /root/… or one from mktemp -d. A data directory asked for inside one must still work — without
 * Tollgate changing the folder's permissions — and keep its data across a restart, as `npm start`'s does.
 */
const isRoot = process.getuid?.() === 0;

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded Postgres with its data directory in a private folder', () => {
  it('starts as root from a 0700 folder, keeps data across a restart, and leaves the folder 0700', { skip: isRoot ? false : 'only root hands Postgres to another user; as anyone else it runs as that user', timeout: 180_000 }, async () => {
    const home = privateDir('tollgate-private-');
    assert.equal(statSync(home).mode & 0o777, 0o700);
    const clone = join(home, 'clone');
    mkdirSync(clone, { mode: 0o700 });
    const port = await freePort();
    const systemDir = testSystemDir();
    const start = () => startEmbeddedPostgres({ dataDir: join(clone, '.data', 'postgres'), port, persistent: true, durable: false, onLog: () => undefined, systemDir });

    const first = await start();
    try {
      await first.createDatabase('kept');
      await query(first.url('kept'), 'CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)');
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      assert.deepEqual(await query(second.url('kept'), 'SELECT id FROM survivor'), [{ id: 42 }]);
      assert.equal(second.dataDir, first.dataDir, 'the same cluster both times');
      assert.ok(first.dataDir.startsWith(`${systemDir}/postgres-data/`), `placed in the system dir, got ${first.dataDir}`);
    } finally {
      await second.stop();
      second.remove();
    }
    assert.equal(existsSync(second.dataDir), false, 'remove() deleted the cluster');
    assert.equal(existsSync(join(clone, '.data', 'postgres')), false, 'and the link to it');
    assert.equal(statSync(home).mode & 0o777, 0o700, "the user's folder keeps its permissions");
    assert.equal(statSync(clone).mode & 0o777, 0o700);
    rmSync(home, { recursive: true, force: true });
  });
});
