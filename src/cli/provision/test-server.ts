import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, findOnPath, projectRoot, ProvisionError } from './paths.js';
import { runWithProgress } from './run-command.js';
import { downloadFailure, downloadWithSdk, previousDownload } from './sdk-download.js';

export const TEST_SERVER_VERSION = '1.35.0';

/**
 * Provides Temporal's Java time-skipping test server (io.temporal:temporal-test-server from Maven
 * Central) behind a wrapper script that TestWorkflowEnvironment.createTimeSkipping starts as an
 * existing binary: `<wrapper> <port>`. Without Java and Maven, the SDK's own download of the
 * native test server (same `<binary> <port>` interface; needs the internet) is the last fallback.
 */
export async function ensureTimeSkippingServer(o: {
  cacheOverride: string | undefined;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<string> {
  const dir = join(cacheDir(o.cacheOverride), 'temporal-test-server', TEST_SERVER_VERSION);
  const wrapper = join(dir, 'temporal-test-server');
  const classpathFile = join(dir, 'classpath.txt');
  if (existsSync(wrapper) && existsSync(classpathFile) && classpathIsPresent(classpathFile)) return wrapper;

  const java = findOnPath('java', o.env.PATH);
  const mvn = findOnPath('mvn', o.env.PATH);
  if (!java || !mvn) return downloadOrExplain(join(dir, 'sdk-download'), !java ? 'Java' : 'Maven', o.log);
  mkdirSync(dir, { recursive: true });
  o.log(`Provisioning: resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central (first run only)…`);
  await runWithProgress(
    'mvn dependency:build-classpath',
    mvn,
    ['-q', '-B', '-f', join(projectRoot(), 'tools', 'test-server', 'pom.xml'), 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`],
    { env: o.env, log: o.log },
  ).catch((err: unknown) => {
    throw new ProvisionError(`Maven could not resolve the Temporal test server: ${err instanceof Error ? err.message : String(err)}`);
  });
  writeFileSync(
    wrapper,
    `#!/bin/sh\n# Temporal's Java time-skipping test server; first argument is the port.\nexec "${java}" -Xss1m -cp "$(cat "${classpathFile}")" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  o.log('Provisioning: time-skipping test server ready.');
  return wrapper;
}

function classpathIsPresent(file: string): boolean {
  const entries = readFileSync(file, 'utf8').trim().split(':');
  return entries.length > 0 && entries.every((jar) => existsSync(jar));
}

async function downloadOrExplain(dir: string, missing: 'Java' | 'Maven', log: (line: string) => void): Promise<string> {
  const previous = previousDownload('time-skipping', dir);
  if (previous) return previous;
  log(`Provisioning: no ${missing} to fetch the time-skipping test server from Maven Central; trying the Temporal SDK's download (needs the internet)…`);
  try {
    return await downloadWithSdk('time-skipping', dir);
  } catch (err) {
    throw new ProvisionError(
      `The time-skipping test server needs Java and Maven to fetch it from Maven Central, ${missing} is missing and the SDK's download failed (${downloadFailure(err)}): install a JDK and Maven (Debian: apt-get install default-jdk-headless maven).`,
    );
  }
}
