import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { ParseTimeoutError, parseOffLoop } from '../../src/api/bank-statements/parse-off-loop.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { StatementParseError } from '../../src/statements/index.js';

const MT940 = [':20:X', ':25:NL00', ':28C:1', ':60F:C200101EUR0,00', ':61:2001010101C1,00NTRFNONREF', ':86:Invoice 1000000028 hello', ':62F:C200101EUR1,00', '-', ''].join('\n');

/**
 * The statement parser on its worker thread, from the TypeScript sources (tsx, as tests and
 * `npm run tollgate` run) and from compiled JavaScript (as `npm start` runs dist/).
 */
describe('statement parsing on a worker thread', () => {
  it('parses under tsx: lines, bigint amounts and the caller\'s RegExp patterns cross the thread', async () => {
    const parsed = await parseOffLoop(Buffer.from(MT940), { patterns: [/hel(l)o/gi] }, 30_000);
    assert.equal(parsed.lines.length, 1);
    assert.equal(parsed.lines[0]?.amountMinor, 100n);
    assert.deepEqual(parsed.lines[0]?.references, ['1000000028', 'l']);
  });

  it('rejects with a StatementParseError naming reason and place, as the parser would', async () => {
    const err = await parseOffLoop(Buffer.from(':20:X\n:25:A\n:61:xx\n'), {}, 30_000).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StatementParseError, String(err));
    assert.equal(err.where, 'line 3');
    assert.match(err.reason, /:61: is not a statement line|currency is unknown/);
  });

  it('stops the worker and rejects with ParseTimeoutError when the budget runs out', async () => {
    const err = await parseOffLoop(Buffer.from(MT940), {}, 1).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ParseTimeoutError, String(err));
    assert.equal(err.budgetMs, 1);
  });

  const out = mkdtempSync(join(tmpdir(), 'tollgate-dist-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('parses from compiled JavaScript without tsx, as dist/ runs', { timeout: 60_000 }, () => {
    // Every src file transpiled with the build's compiler options as ES modules, which the package's
    // "type": "module" makes them (no type check: typecheck does that).
    const root = projectRoot();
    const { options } = ts.parseJsonConfigFileContent(ts.readConfigFile(join(root, 'tsconfig.build.json'), (p) => ts.sys.readFile(p)).config, ts.sys, root);
    const src = join(root, 'src');
    for (const file of readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
      const js = ts.transpileModule(readFileSync(join(src, file), 'utf8'), { compilerOptions: { ...options, module: ts.ModuleKind.ES2022, sourceMap: false }, fileName: file }).outputText;
      const target = join(out, file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
    }
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
    const script = `import { parseOffLoop } from './${relative(out, join(out, 'api', 'bank-statements', 'parse-off-loop.js'))}';
      const parsed = await parseOffLoop(Buffer.from(${JSON.stringify(MT940)}), {}, 30000);
      console.log(JSON.stringify({ lines: parsed.lines.length, references: parsed.lines[0].references, execArgv: process.execArgv }));`;
    writeFileSync(join(out, 'check.mjs'), script);
    const run = spawnSync(process.execPath, [join(out, 'check.mjs')], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { lines: 1, references: ['1000000028'], execArgv: [] });
  });
});
