import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/cli/provision/paths.js';

/**
 * pg prepares a named statement once per connection and refuses the same name with another
 * text ("Prepared statements must be unique"), on whichever path runs second: each name is
 * written once, next to its one text (src/db/pool.ts).
 */
describe('prepared statement names', () => {
  it('each name is given to one query text only', () => {
    const root = projectRoot();
    const seen = new Map<string, string[]>();
    for (const dir of ['src', 'bench']) {
      for (const file of readdirSync(join(root, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(root, dir, file), 'utf8');
        // A query config: name: '…', then its text: (on the same line or the next).
        for (const m of source.matchAll(/name:\s*'([^']+)',[^\n]*(?:\n\s*)?text:/g)) {
          const name = m[1] as string;
          seen.set(name, [...(seen.get(name) ?? []), `${dir}/${file}`]);
        }
      }
    }
    assert.ok(seen.size >= 10, `found only ${seen.size} named statements: has the pattern moved?`);
    const twice = [...seen].filter(([, files]) => files.length > 1);
    assert.deepEqual(twice, []);
  });
});
