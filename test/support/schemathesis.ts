import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, findOnPath } from '../../src/cli/provision/paths.js';

/** Pinned: a newer schemathesis generates other cases for the same seed. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * schemathesis from PyPI in a virtualenv of its own, cached per user beside the other provisioned
 * tools (`<cache>/schemathesis/<version>/venv`, cache = TOLLGATE_CACHE_DIR or ~/.cache/tollgate).
 * A venv counts as installed only once pip has finished and written the `installed` marker beside
 * it, so an interrupted install is removed and made again rather than mistaken for a finished one.
 * Returns the path of the `schemathesis` executable.
 */
export async function ensureSchemathesis(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Promise<string> {
  const dir = join(cacheDir(env.TOLLGATE_CACHE_DIR), 'schemathesis', SCHEMATHESIS_VERSION);
  const venv = join(dir, 'venv');
  const marker = join(dir, 'installed');
  const exe = join(venv, 'bin', 'schemathesis');
  if (existsSync(marker) && installedVersion(exe) === SCHEMATHESIS_VERSION) return exe;

  const python = findOnPath('python3', env.PATH);
  if (!python) {
    throw new Error(`python3 is not on PATH: the API fuzz test installs schemathesis ${SCHEMATHESIS_VERSION} from PyPI into a virtualenv and needs Python 3.9 or newer with its venv module (Debian: apt-get install python3 python3-venv).`);
  }
  rmSync(marker, { force: true });
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${venv} (first run only)…`);
  await run(python, ['-m', 'venv', venv], 'python3 -m venv');
  await run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], 'pip install');
  const version = installedVersion(exe);
  if (version !== SCHEMATHESIS_VERSION) throw new Error(`schemathesis in ${venv} reports version ${version ?? '(none)'}, not ${SCHEMATHESIS_VERSION}: delete ${dir} and run again.`);
  writeFileSync(marker, `schemathesis ${SCHEMATHESIS_VERSION}\n`);
  return exe;
}

function installedVersion(exe: string): string | undefined {
  const out = spawnSync(exe, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? /version (\S+)/.exec(out.stdout)?.[1] : undefined;
}

function run(cmd: string, args: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => { tail = (tail + chunk.toString('utf8')).slice(-3000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${label} failed (exit ${code}): ${tail.trim()}`))));
  });
}

/** One generated request and what the API answered, as schemathesis' NDJSON report records it. */
export interface FuzzCase {
  operation: string;
  method: string;
  uri: string;
  status: number | undefined;
  failedChecks: string[];
}

/** Reads every case of a schemathesis NDJSON report (`--report ndjson`). */
export function readNdjsonReport(file: string): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { ScenarioFinished?: { recorder: Recorder } };
    const recorder = event.ScenarioFinished?.recorder;
    if (!recorder?.interactions) continue;
    for (const [id, interaction] of Object.entries(recorder.interactions)) {
      cases.push({
        operation: recorder.label,
        method: interaction.request.method,
        uri: interaction.request.uri,
        status: interaction.response?.status_code,
        failedChecks: (recorder.checks?.[id] ?? []).filter((c) => c.status === 'failure').map((c) => c.name),
      });
    }
  }
  return cases;
}

interface Recorder {
  label: string;
  interactions?: Record<string, { request: { method: string; uri: string }; response?: { status_code: number } }>;
  checks?: Record<string, Array<{ name: string; status: string }>>;
}
