import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../src/cli/provision/paths.js';

export interface ComposeService {
  image?: string;
  build?: unknown;
  pull_policy?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/** docker-compose.yml as compose reads it (anchors and `<<` merge keys resolved). */
export function readComposeFile(): { services: Record<string, ComposeService> } {
  return parseYaml(readFileSync(join(projectRoot(), 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
}

/** Compose's `${NAME:-default}` with nothing set, as `docker compose up` sees it out of the box. */
export function interpolateDefaults(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_m, _name: string, fallback: string | undefined) => fallback ?? '');
}
