import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startEmbeddedPostgres } from '../../src/cli/stack/postgres.js';
import { placedBinaries, shippedBinaries } from '../../src/cli/stack/postgres-binaries.js';
import { placeDataDir, removeDataDir } from '../../src/cli/stack/postgres-data-dir.js';
import { postgresRunAs, type RunAs } from '../../src/cli/stack/postgres-user.js';
import { StartError } from '../../src/cli/stack/start-error.js';
import { privateDir } from '../support/cli-run.js';
import { freePort } from '../support/free-port.js';
import { testSystemDir } from '../support/system-dir.js';

/**
 * As root, Tollgate creates, chowns, runs and deletes things on the `postgres` user's behalf. None
 * of that may be steered by someone who can write the data directory's parent (a planted symlink),
 * by a system dir others can write, by a tampered copy of the binaries, or by a `PATH` with
 * node_modules/.bin first.
 */
const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'only root hands Postgres to another user; as anyone else it runs as that user, with nothing to chown';

function runAs(): RunAs {
  const found = postgresRunAs();
  assert.ok(found, 'a postgres user');
  return found;
}

/** Owner, mode and every file's content under `dir`: what a victim must keep. */
function snapshot(dir: string): string {
  const st = lstatSync(dir);
  const files = readdirSync(dir, { recursive: true }).map(String).sort();
  const contents = files.map((f) => {
    const s = lstatSync(join(dir, f));
    return `${f} ${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)} ${s.isFile() ? readFileSync(join(dir, f), 'utf8') : ''}`;
  });
  return [`${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`, ...contents].join('\n');
}

function victim(withFile: boolean): string {
  const dir = privateDir('victim-');
  chmodSync(dir, 0o750);
  if (withFile) writeFileSync(join(dir, 'precious'), 'do not touch\n', { mode: 0o640 });
  return dir;
}

function assertOneSentence(err: unknown, mentions: string | RegExp): true {
  assert.ok(err instanceof StartError, `a StartError, got ${String(err)}`);
  assert.equal(err.message.split('\n').length, 1, `one line: ${err.message}`);
  if (typeof mentions === 'string') assert.ok(err.message.includes(mentions), `names ${mentions}: ${err.message}`);
  else assert.match(err.message, mentions);
  return true;
}

/** Starts (and, if it started, stops: not persistent, so stop() removes) a cluster; the error, if any. */
async function startAndStop(dataDir: string, systemDir: string): Promise<unknown> {
  try {
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, durable: false, onLog: () => undefined, systemDir });
    await pg.stop();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('as root, a planted .data/postgres symlink', () => {
  for (const withFile of [true, false]) {
    it(`pointing at a ${withFile ? 'non-empty' : 'empty'} folder elsewhere is refused, and that folder keeps its owner and contents`, { skip, timeout: 120_000 }, async () => {
      const systemDir = testSystemDir();
      const target = victim(withFile);
      const before = snapshot(target);
      const data = join(privateDir('tollgate-planted-'), '.data');
      mkdirSync(data);
      symlinkSync(target, join(data, 'postgres'));

      const err = await startAndStop(join(data, 'postgres'), systemDir);
      assertOneSentence(err, join(data, 'postgres'));
      assert.ok(existsSync(target), 'the folder the link pointed at still exists');
      assert.equal(snapshot(target), before, 'its owner, mode and contents are unchanged');
    });
  }

  it('pointing at a path that only resolves to the expected place is refused too (readlink must match exactly)', { skip }, () => {
    const systemDir = testSystemDir();
    const data = join(privateDir('tollgate-planted-'), '.data');
    mkdirSync(data);
    const wanted = join(data, 'postgres');
    // Let Tollgate place it, then swap the link for one spelled differently.
    const placed = placeDataDir(wanted, runAs(), systemDir);
    assert.ok(placed.startsWith(`${systemDir}/postgres-data/`));
    const other = privateDir('tollgate-detour-');
    symlinkSync(placed, join(other, 'hop'));
    unlinkSync(wanted);
    symlinkSync(join(other, 'hop'), wanted);
    assert.throws(() => placeDataDir(wanted, runAs(), systemDir), (err) => assertOneSentence(err, wanted));
  });
});

describe('as root, removing a cluster', () => {
  it('deletes only what Tollgate placed, not the target of a link swapped in afterwards', { skip }, () => {
    const systemDir = testSystemDir();
    const r = runAs();
    const target = victim(true);
    const before = snapshot(target);

    // Placed in the system dir (a private folder), then the link is re-pointed at the victim.
    const privateData = join(privateDir('tollgate-remove-'), '.data');
    const linked = join(privateData, 'postgres');
    const placed = placeDataDir(linked, r, systemDir);
    assert.notEqual(placed, linked);
    unlinkSync(linked);
    symlinkSync(target, linked);
    removeDataDir(linked, placed, systemDir);
    assert.equal(existsSync(placed), false, 'the cluster Tollgate placed is gone');
    assert.equal(readlinkSync(linked), target, 'a link Tollgate did not make is left alone');
    assert.equal(snapshot(target), before, 'and what it points at is untouched');

    // In place (a folder postgres can reach), then the folder is swapped for a link to the victim.
    const open = testSystemDir();
    const inPlace = join(open, 'postgres');
    assert.equal(placeDataDir(inPlace, r, systemDir), inPlace);
    rmdirSync(inPlace);
    symlinkSync(target, inPlace);
    removeDataDir(inPlace, inPlace, systemDir);
    assert.equal(snapshot(target), before, 'a link in place of the cluster is not followed');
  });
});

describe('as root, the system dir (TOLLGATE_SYSTEM_DIR)', () => {
  const cases: Array<{ what: string; spoil: (dir: string, r: RunAs) => string; says: RegExp }> = [
    { what: 'group-writable', spoil: (dir) => (chmodSync(dir, 0o775), dir), says: /writable/ },
    { what: 'world-writable', spoil: (dir) => (chmodSync(dir, 0o757), dir), says: /writable/ },
    { what: 'owned by another user', spoil: (dir, r) => (chownSync(dir, r.uid, r.gid), dir), says: /owned by/ },
    {
      what: 'a symlink',
      spoil: (dir) => {
        const link = join(privateDir('tollgate-syslink-'), 'system');
        chmodSync(join(link, '..'), 0o755);
        symlinkSync(dir, link);
        return link;
      },
      says: /symlink/,
    },
    {
      what: 'fine, but its postgres-data child is group-writable',
      spoil: (dir) => {
        mkdirSync(join(dir, 'postgres-data'), { mode: 0o755 });
        chmodSync(join(dir, 'postgres-data'), 0o775);
        return join(dir, 'postgres-data');
      },
      says: /writable/,
    },
  ];
  for (const c of cases) {
    it(`is refused when ${c.what}, in one sentence naming the path`, { skip }, () => {
      const r = runAs();
      const sys = testSystemDir();
      const spoilt = c.spoil(sys, r);
      const base = spoilt.endsWith('postgres-data') ? sys : spoilt;
      const modeBefore = lstatSync(spoilt).mode;
      const wanted = join(privateDir('tollgate-sysdir-'), '.data', 'postgres');
      assert.throws(() => placeDataDir(wanted, r, base), (err) => assertOneSentence(err, spoilt) && assertOneSentence(err, c.says));
      assert.equal(lstatSync(spoilt).mode, modeBefore, 'its mode is left as it was, not quietly fixed');
    });
  }
});

describe('as root, the copy of the Postgres binaries in the system dir', () => {
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const tamperings: Array<{ what: string; tamper: (root: string) => void }> = [
    { what: 'bin/postgres replaced by a script', tamper: (root) => writeFileSync(join(root, 'bin', 'postgres'), '#!/bin/sh\nexit 0\n', { mode: 0o755 }) },
    { what: 'bin/initdb a byte longer', tamper: (root) => writeFileSync(join(root, 'bin', 'initdb'), Buffer.concat([readFileSync(join(root, 'bin', 'initdb')), Buffer.from([0])])) },
    { what: 'bin/ made group-writable', tamper: (root) => chmodSync(join(root, 'bin'), 0o775) },
    {
      what: 'a library swapped for a symlink leading outside the tree',
      tamper: (root) => {
        const lib = readdirSync(join(root, 'lib')).find((f) => f.endsWith('.so'))!;
        const outside = join(privateDir('tollgate-evil-lib-'), lib);
        writeFileSync(outside, 'not a library');
        unlinkSync(join(root, 'lib', lib));
        symlinkSync(outside, join(root, 'lib', lib));
      },
    },
  ];
  for (const t of tamperings) {
    it(`is replaced by a fresh copy when ${t.what}`, { skip, timeout: 120_000 }, () => {
      const r = runAs();
      const sys = testSystemDir();
      const shipped = shippedBinaries();
      const first = placedBinaries(shipped, r, sys);
      assert.equal(sha(first.postgres), sha(shipped.postgres), 'the first copy is the shipped one');
      t.tamper(first.root);

      const again = placedBinaries(shipped, r, sys);
      assert.equal(again.root, first.root);
      assert.equal(sha(again.postgres), sha(shipped.postgres), 'bin/postgres is the shipped one again');
      assert.equal(sha(again.initdb), sha(shipped.initdb), 'bin/initdb is the shipped one again');
      assert.equal(lstatSync(join(again.root, 'bin')).mode & 0o022, 0, 'bin/ is writable by root alone');
      for (const f of readdirSync(join(again.root, 'lib'))) {
        const s = lstatSync(join(again.root, 'lib', f));
        if (s.isSymbolicLink()) assert.doesNotMatch(readlinkSync(join(again.root, 'lib', f)), /^\/|\.\./, `lib/${f} links inside the tree`);
      }
      assert.deepEqual(readdirSync(join(sys, 'postgres-binaries')).sort(), [shipped.version], 'no partial or stale copies left beside it');
    });
  }
});

describe('as root, the tools that find and make the postgres user', () => {
  it('are not looked up on PATH (npm puts node_modules/.bin first)', { skip }, () => {
    const bin = privateDir('tollgate-fake-bin-');
    const marker = join(bin, 'ran');
    for (const tool of ['id', 'useradd']) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho ${tool} >> ${marker}\necho 0\n`, { mode: 0o755 });
    }
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    let found: RunAs | undefined;
    try {
      found = postgresRunAs();
    } finally {
      process.env.PATH = path;
    }
    assert.equal(existsSync(marker), false, `a fake tool on PATH ran: ${existsSync(marker) ? readFileSync(marker, 'utf8') : ''}`);
    assert.deepEqual(found, runAs(), 'the real postgres user');
    assert.notEqual(found?.uid, 0);
  });
});
