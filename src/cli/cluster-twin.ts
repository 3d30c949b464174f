import { join } from 'node:path';
import type { Config } from '../config.js';
import { projectRoot } from './provision/paths.js';

/**
 * `start --cluster` is docker-compose.yml's runnable twin (issue 10 §1): every compose service,
 * keyed by its name there, with what the cluster runs in its place. test/unit/cluster-twin.test.ts
 * holds docker-compose.yml to exactly these services, so neither can gain one alone.
 */
export const CLUSTER_SERVICES = {
  postgres: 'embedded Postgres under <data dir>/cluster/postgres, or DATABASE_URL’s server (stack/postgres.ts)',
  'temporal-schema': 'temporal-sql-tool create, setup-schema and update-schema for temporal and temporal_visibility (stack/temporal-cluster.ts)',
  temporal: 'the Temporal server binary on those databases (stack/temporal-cluster.ts)',
  'temporal-namespace': 'the namespace and Tollgate’s search attributes (stack/temporal-cluster.ts, temporal/setup.ts)',
  'temporal-ui': 'the Temporal UI server on TOLLGATE_UI_PORT (stack/temporal-ui.ts)',
  migrate: 'the migrations, run before any Tollgate process starts (start.ts migrateOrExplain)',
  api: 'TOLLGATE_APIS API processes on PORT, PORT+1, …',
  worker: 'TOLLGATE_WORKERS worker processes',
  mailpit: 'Mailpit on TOLLGATE_MAILPIT_PORT (UI) and TOLLGATE_SMTP_PORT, in development while SMTP_URL is unset (stack/mailpit.ts)',
} as const;

/** The ledger's database on the cluster's Postgres; compose's DATABASE_URL names the same one. */
export const LEDGER_DATABASE = 'tollgate';

/** Where a Tollgate process finds the rest of the cluster. */
export interface ClusterAddresses {
  databaseUrl: string;
  temporalAddress: string;
  adminKey: string;
  /** The Mailpit the cluster started, else SMTP_URL's server (none: e-mail is off). */
  smtpUrl?: string | undefined;
}

/**
 * The variables the cluster sets for every Tollgate process (API, worker; the API also gets its
 * PORT) — the same names docker-compose.yml's x-tollgate-env sets, with each value resolved from
 * this process's Config so a child never reads a default of its own that differs from ours.
 */
export function tollgateProcessEnv(config: Config, at: ClusterAddresses) {
  return {
    TOLLGATE_ENV: config.TOLLGATE_ENV,
    TOLLGATE_GATEWAYS_FILE: config.TOLLGATE_GATEWAYS_FILE ?? join(projectRoot(), 'config', 'gateways.yaml'),
    DATABASE_URL: at.databaseUrl,
    TEMPORAL_ADDRESS: at.temporalAddress,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    PUBLIC_BASE_URL: config.publicBaseUrl,
    TOLLGATE_ADMIN_API_KEY: at.adminKey,
    AMOUNT_HOOK_SECRET: config.AMOUNT_HOOK_SECRET,
    LOOKUP_HOOK_URL: config.LOOKUP_HOOK_URL ?? '',
    LOOKUP_HOOK_SECRET: config.LOOKUP_HOOK_SECRET,
    // One seal for every API process: a portal page from one is opened by whichever answers next.
    PORTAL_FORM_SECRET: config.PORTAL_FORM_SECRET,
    SMTP_URL: at.smtpUrl ?? config.SMTP_URL ?? '',
    MAIL_FROM: config.MAIL_FROM,
    ADMIN_EMAILS: config.ADMIN_EMAILS.join(','),
    LOG_LEVEL: config.LOG_LEVEL,
    // Production answers /metrics 404 without it: a scraper's token reaches every API process.
    METRICS_TOKEN: config.METRICS_TOKEN ?? '',
  } satisfies Record<string, string>;
}

/** What only an API process gets on top: compose sets it on the `api` service. */
export const API_ONLY_ENV = ['PORT'] as const;
