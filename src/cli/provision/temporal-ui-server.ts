import { cachedGoTool, ensureGoTool, type GoTool, type GoToolOptions, goToolDir } from './go-tool.js';

/**
 * The Temporal UI for the cluster: the UI server the `temporalio/ui` image runs (the web UI is
 * embedded in the binary), same version as docker-compose.yml's `temporalio/ui` tag. The Temporal
 * CLI has no separate UI command (its UI runs only inside start-dev), so the cluster builds this
 * (about 15 s here, the module is large: the UI's assets are in it).
 */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const TOOL: GoTool = {
  what: 'the Temporal UI server for the cluster',
  dirName: 'temporal-ui-server',
  goPackage: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_SERVER_VERSION,
  binaryName: 'server',
  instead: 'use npm start, whose dev server has the UI built in',
};

/** Where the cached UI server lives; nothing is built. */
export function temporalUiServerDir(cacheOverride: string | undefined): string {
  return goToolDir(TOOL, cacheOverride);
}

/** The cached binary if it is there (for tests, which must not build it), else undefined. */
export function cachedTemporalUiServer(cacheOverride: string | undefined): string | undefined {
  return cachedGoTool(TOOL, cacheOverride);
}

/** The UI server binary, built with Go into the per-user cache beside the Temporal server on first use. */
export function ensureTemporalUiServer(o: GoToolOptions): Promise<string> {
  return ensureGoTool(TOOL, o);
}
