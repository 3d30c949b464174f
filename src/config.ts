import { join } from 'node:path';
import { z } from 'zod';
import { parseIsoDurationMs } from './domain/duration.js';
import { isValidTimeZone } from './domain/zoned-time.js';
import { projectRoot } from './cli/provision/paths.js';
import { GatewayConfigError, loadGatewaysFile } from './gateways/config-file.js';
import type { PortalSettings } from './portal/settings.js';
import { type TerminalSettings, terminalProductionProblems } from './terminals/settings.js';
import type { GatewaySettings } from './gateways/settings.js';
import { isValidCidr } from './gateways/cidr.js';
import { parseOutboundAllowlist } from './outbound/addresses.js';
import { outboundUrlProblem } from './outbound/safe-request.js';
import { DEFAULT_RATES_URLS, parseRatesFetch } from './rates/fetch-schedule.js';
import { ratesUrlProblem } from './rates/import.js';
import { endpointUrlProblem } from './webhooks/endpoint-url.js';
import { loadStatementSettings, type StatementSettings, StatementsConfigError } from './config-statements.js';
import { CUSTOMER_NOTIFICATION_TYPES, type CustomerNotificationType, NOTIFICATION_LOCALES } from './notifications/types.js';

/** An address as a From/To header may carry it: one @, no spaces or angle brackets or commas. */
const EMAIL_ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/**
 * Every setting Tollgate reads, parsed once from the environment. Nothing else reads process.env:
 * code receives the parsed Config (or the slice it needs) as a dependency.
 */
/** The sandbox's public development secret: fine for test mode, never for live. */
export const DEV_SANDBOX_SECRET = 'whsec_dG9sbGdhdGUtc2FuZGJveC1kZXYtc2VjcmV0LWNoYW5nZS1tZQ==';
/** The webhook secret config/gateways.stripe-mock.yaml publishes for its test-mode stripe: never for production. */
export const DEV_STRIPE_MOCK_WEBHOOK_SECRET = 'whsec_c3RyaXBlLW1vY2stZGV2ZWxvcG1lbnQtc2VjcmV0';
/** The amount hook's public development secret: refused in production. */
export const DEV_AMOUNT_HOOK_SECRET = 'whsec_dG9sbGdhdGUtYW1vdW50LWhvb2stZGV2LXNlY3JldA==';
/** The top-up portal's public development form secret: refused in production. */
export const DEV_PORTAL_FORM_SECRET = 'whsec_dG9sbGdhdGUtcG9ydGFsLWZvcm0tZGV2LXNlY3JldA==';
/** The payer lookup hook's public development secret: refused in production. */
export const DEV_LOOKUP_HOOK_SECRET = 'whsec_dG9sbGdhdGUtbG9va3VwLWhvb2stZGV2LXNlY3JldA==';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const TOLLGATE_ENVS = ['development', 'production'] as const;
export type TollgateEnv = (typeof TOLLGATE_ENVS)[number];

export const ConfigSchema = z.object({
  /**
   * development: npm start and npm test (sandbox gateways, development secrets). production: the
   * Dockerfile and docker-compose; refuses sandbox adapters and development secrets at start.
   */
  TOLLGATE_ENV: z.enum(TOLLGATE_ENVS).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Default: 127.0.0.1 in development (the sandbox's Approve button needs no key), 0.0.0.0 in production. */
  HOST: optionalString,
  /** libpq's password variable, which pg also reads: checked in production like DATABASE_URL's. */
  PGPASSWORD: optionalString,
  PUBLIC_BASE_URL: optionalString,
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('tollgate'),
  TEMPORAL_CLI: optionalString,
  /** A stripe-mock binary to use instead of building one (src/cli/provision/stripe-mock.ts). */
  STRIPE_MOCK: optionalString,
  /** A Mailpit binary to use instead of building one (src/cli/provision/mailpit.ts). */
  MAILPIT: optionalString,
  /** TLS towards Temporal: PEM file paths (a client cert and key for mTLS; a CA for a private server) and the name to check. */
  TEMPORAL_TLS: z.enum(['true', 'false', '']).optional().transform((v) => v === 'true'),
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Temporal Cloud API key (sent as a bearer token; turns TLS on). */
  TEMPORAL_API_KEY: optionalString,
  TOLLGATE_ADMIN_API_KEY: optionalString,
  TOLLGATE_CACHE_DIR: optionalString,
  TOLLGATE_DATA_DIR: z.string().default('.data'),
  /** As root: where what the `postgres` user must reach is placed (binaries, data directories in private folders). */
  TOLLGATE_SYSTEM_DIR: z.string().default('/var/lib/tollgate').refine((v) => v.startsWith('/'), 'must be an absolute path'),
  TOLLGATE_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TOLLGATE_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TOLLGATE_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  /** The Mailpit `npm start` runs while SMTP_URL is unset: its web UI and API, and its SMTP port (Mailpit's own defaults). */
  TOLLGATE_MAILPIT_PORT: z.coerce.number().int().min(1).max(65535).default(8025),
  TOLLGATE_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  /** `tollgate start --cluster`: how many worker processes, and how many API processes (on PORT, PORT+1, …). */
  TOLLGATE_WORKERS: z.coerce.number().int().min(1).max(64).default(3),
  TOLLGATE_APIS: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * A workflow bundle made ahead of time (`bundleWorkflowCode` from @temporalio/worker, written to a
   * file): the worker loads it instead of bundling src/workflows itself, so a replacement worker
   * polls in seconds. Unset: each worker bundles at start.
   */
  TOLLGATE_WORKFLOW_BUNDLE: optionalString,
  SANDBOX_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must look like whsec_<base64>')
    .default(DEV_SANDBOX_SECRET),
  /** Where the sandbox's pretend processor posts its callbacks (`{gateway}` is the gateway's name); defaults to this API on loopback. */
  SANDBOX_CALLBACK_URL: optionalString,
  /** The gateways file (YAML or JSON); defaults to config/gateways.yaml in the project. */
  TOLLGATE_GATEWAYS_FILE: optionalString,
  /** Reference patterns and CSV column maps for bank statements; defaults to config/statements.yaml. */
  TOLLGATE_STATEMENTS_FILE: optionalString,
  /** Largest statement file accepted (bytes). */
  STATEMENT_MAX_BYTES: z.coerce.number().int().min(1024).default(100 * 1024 * 1024),
  /** How long one statement file may take to parse (on its worker thread) before the upload is refused with 422. */
  STATEMENT_PARSE_TIMEOUT_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  /** Most lines one statement file may hold (after batch expansion); a file with more is refused with 422. */
  STATEMENT_MAX_LINES: z.coerce.number().int().min(1).max(10_000_000).default(200_000),
  /** Statement imports one API process runs at once; more are answered 429 with Retry-After. */
  STATEMENT_MAX_CONCURRENT_IMPORTS: z.coerce.number().int().min(1).max(64).default(2),
  /** Retry delays after soft declines, unless a subscription overrides them (ISO 8601, comma-separated). */
  DEFAULT_RETRY_SCHEDULE: z.string().default('PT15M,PT6H,PT6H,PT6H,PT6H'),
  /** How long before a charge the card will not survive a card.expiring event is sent. */
  CARD_EXPIRY_NOTICE_DAYS: z.coerce.number().int().min(0).max(90).default(14),
  /** How long the payment link of a subscription charge that needs the customer's authentication (SCA) stays payable. */
  ACTION_REQUIRED_LINK_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /** Standard Webhooks secret that signs amount-hook requests to the billing system. */
  AMOUNT_HOOK_SECRET: optionalString.transform((v) => v ?? DEV_AMOUNT_HOOK_SECRET),
  /** Seals the top-up portal's form state (who was identified, until when) between its pages; a whsec_ key. */
  PORTAL_FORM_SECRET: optionalString.transform((v) => v ?? DEV_PORTAL_FORM_SECRET),
  AMOUNT_HOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /**
   * The billing system's payer lookup (src/identification/lookup-hook.ts): asked for the balance and
   * name of the customer a payer's identifier found. Unset: the values pushed with PUT /v1/customers/:id/balance.
   */
  LOOKUP_HOOK_URL: optionalString.refine((v) => v === undefined || !outboundUrlProblem(v), 'must be an http(s) URL without credentials'),
  /** Standard Webhooks secret that signs lookup-hook requests. */
  LOOKUP_HOOK_SECRET: optionalString.transform((v) => v ?? DEV_LOOKUP_HOOK_SECRET),
  /** A payer waits at a terminal: a lookup the billing system does not answer in this long is `unavailable`. */
  LOOKUP_HOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  /**
   * Host names, IP addresses and CIDR blocks (comma-separated) that caller-chosen outbound calls
   * (the amount hook) may reach although they are not public. Empty by default, in development too.
   */
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseOutboundAllowlist(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
  /** The time zone whose calendar day is a payment's booking day, for its currency conversion (README "Currency rates"). */
  EXCHANGE_RATE_TIME_ZONE: z.string().default('UTC').refine(isValidTimeZone, 'must be an IANA time zone, such as Europe/Warsaw'),
  /** How many days before the booking day a rate may be dated and still convert a payment (weekends, bank holidays). */
  EXCHANGE_RATE_MAX_AGE_DAYS: z.coerce.number().int().min(0).max(366).default(7),
  /** The largest rates file an import reads (bytes): an upload, or the answer of a rates URL. */
  EXCHANGE_RATE_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  /**
   * Which sources Tollgate fetches itself, and when: `ecb@16:30,nbp@12:30`, each time of day in the
   * source's own zone (ECB Europe/Berlin, NBP Europe/Warsaw; src/rates/fetch-schedule.ts). Empty: off.
   */
  EXCHANGE_RATES_FETCH: z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseRatesFetch(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
  /** Where the scheduled fetch reads the ECB's daily reference rates. */
  EXCHANGE_RATES_ECB_URL: z.string().default(DEFAULT_RATES_URLS.ecb).refine((v) => !outboundUrlProblem(v), 'must be an http(s) URL without credentials'),
  /** Where the scheduled fetch reads the NBP's current table A. */
  EXCHANGE_RATES_NBP_URL: z.string().default(DEFAULT_RATES_URLS.nbp).refine((v) => !outboundUrlProblem(v), 'must be an http(s) URL without credentials'),
  /** The largest answer read from an outbound call (bytes). */
  OUTBOUND_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open in development and 404 in production. */
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  /**
   * Proxies (CIDR blocks or addresses, comma-separated) whose X-Forwarded-For is believed: when the
   * peer is one, the caller is the right-most X-Forwarded-For address that is not.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((e) => e.trim()).filter(Boolean))
    .refine((list) => list.every(isValidCidr), 'must be CIDR blocks or IP addresses, comma-separated'),
  CALLBACK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).default(300),
  /** How long a callback request waits on Temporal before leaving delivery to the relay. */
  // The caps below keep timer delays under Node's 2^31 − 1 ms (a longer setTimeout/setInterval fires
  // at once) and dispatchBoundMs sane; the relay passes that bound to SQL as float8, not int.
  CALLBACK_SIGNAL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  RELAY_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
  /**
   * Accepted callbacks an API process holds for signalling after their answer (src/relay/callback-dispatch.ts);
   * at the bound a callback waits for a slot before it is journaled, so answers slow to Temporal's pace.
   */
  CALLBACK_DISPATCH_MAX_PENDING: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /** Signals the dispatcher sends at once. */
  CALLBACK_DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  /** How long a stopping API waits for its dispatcher to signal what it holds; the rest is the relay's. */
  CALLBACK_DISPATCH_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /**
   * Beyond the longest a live dispatcher can hold an accepted row (dispatchBoundMs), how long the
   * relay leaves it alone before taking it as abandoned (a process that died before signalling).
   */
  CALLBACK_RELAY_GRACE_MS: z.coerce.number().int().min(0).max(604_800_000).default(60_000),
  /** How long an Idempotency-Key and its saved response are kept (ISO 8601 duration); older keys start over and are deleted. */
  IDEMPOTENCY_KEY_TTL: z
    .string()
    .default('P7D')
    .refine((v) => { try { return parseIsoDurationMs(v) >= 1000; } catch { return false; } }, 'must be an ISO 8601 duration of at least PT1S, such as P7D')
    .transform((v) => parseIsoDurationMs(v)),
  /** How often each API process deletes expired idempotency keys. */
  IDEMPOTENCY_CLEANUP_INTERVAL_MS: z.coerce.number().int().min(100).default(3_600_000),
  /** Outbound webhooks: how long one attempt may take, connecting to the last byte of the answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(15_000),
  /** The most live webhook endpoints a deployment may have: each one multiplies every event's deliveries. */
  WEBHOOK_MAX_ENDPOINTS: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Webhook attempts one worker process makes at once: the activity slots of its second Worker, on
   * task queue <TEMPORAL_TASK_QUEUE>-webhooks, apart from the payment activities' slots.
   */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(2000).default(100),
  /**
   * Of those, how many may go to one endpoint at once; an attempt beyond it waits (a timer, no slot
   * held), so a slow endpoint cannot take every slot from the others.
   */
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(2000).default(10),
  /** The outbox's fallback tick when no NOTIFY wakes it (src/outbox/loop.ts). */
  OUTBOX_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(5000),
  /** E-mail through SMTP (smtp:// or smtps://, credentials in the URL). npm start points it at its Mailpit; unset elsewhere, no e-mail is queued. */
  SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\/[^\s]+$/.test(v), 'must be an smtp:// or smtps:// URL'),
  /** The sender of every e-mail, as a From header: "Name <address>" or an address. */
  MAIL_FROM: z.string().max(320).default('Tollgate <tollgate@localhost>'),
  /** Who gets the admin e-mails (alerts and the daily summary), comma-separated; empty sends none. */
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((e) => e.trim()).filter(Boolean))
    .refine((list) => list.every((e) => EMAIL_ADDRESS.test(e)), 'must be e-mail addresses, comma-separated'),
  ADMIN_LOCALE: z.enum(NOTIFICATION_LOCALES).default('en'),
  /** Which customer e-mails are sent, comma-separated (default all of them; "none" for none). */
  CUSTOMER_EMAILS: z
    .string()
    .default(CUSTOMER_NOTIFICATION_TYPES.join(','))
    .transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((e) => e.trim()).filter(Boolean)))
    .refine(
      (list) => list.every((t) => (CUSTOMER_NOTIFICATION_TYPES as readonly string[]).includes(t)),
      `must be "none" or some of ${CUSTOMER_NOTIFICATION_TYPES.join(', ')}, comma-separated`,
    )
    .transform((list) => list as CustomerNotificationType[]),
  /** A directory whose files replace the built-in e-mail templates (same layout as templates/email/). */
  EMAIL_TEMPLATES_DIR: optionalString,
  /** The IANA time zone e-mail dates are written in where nothing closer is known (a subscription's own zone wins). */
  EMAIL_TIME_ZONE: z.string().default('UTC').refine(isValidTimeZone, 'must be an IANA time zone, such as Europe/Warsaw'),
  /** When the admin's daily summary of the day before goes out, "HH:MM" in DAILY_SUMMARY_TIME_ZONE (sent only when ADMIN_EMAILS is set). */
  DAILY_SUMMARY_AT: z.string().default('07:00').refine((v) => /^([01]\d|2[0-3]):[0-5]\d$/.test(v), 'must be a time of day "HH:MM", such as 07:00'),
  /** The time zone whose calendar day the daily summary covers, and of DAILY_SUMMARY_AT. */
  DAILY_SUMMARY_TIME_ZONE: z.string().default('UTC').refine(isValidTimeZone, 'must be an IANA time zone, such as Europe/Warsaw'),
  LOG_LEVEL: logLevel.default('info'),
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'HOST'> & {
  HOST: string;
  /** Where the public pages and sandbox checkout are reachable from a browser. */
  publicBaseUrl: string;
  /** With `{gateway}` standing for the gateway's name. */
  sandboxCallbackUrl: string;
  gateways: GatewaySettings[];
  /** The top-up portal (GET /pay) from the gateways file's `portal:`; null: none (GET /pay answers 404). */
  portal: PortalSettings | null;
  /** Terminal networks (`adapter: osmp` entries of the gateways file): never payment gateways. */
  terminals: TerminalSettings[];
  statements: StatementSettings;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  const publicBaseUrl = (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  const sandboxCallbackUrl = c.SANDBOX_CALLBACK_URL ?? `http://127.0.0.1:${c.PORT}/v1/callbacks/{gateway}`;
  // The project's gateways file is the development one (sandboxes): production names its own.
  if (c.TOLLGATE_ENV === 'production' && !c.TOLLGATE_GATEWAYS_FILE) {
    throw new ConfigError(`${REFUSAL}: TOLLGATE_GATEWAYS_FILE is not set, and the project's config/gateways.yaml is the development one (set TOLLGATE_GATEWAYS_FILE to your own gateways file).`);
  }
  const gatewaysFile = c.TOLLGATE_GATEWAYS_FILE ?? join(projectRoot(), 'config', 'gateways.yaml');
  let gateways: GatewaySettings[];
  let portal: PortalSettings | null;
  let terminals: TerminalSettings[];
  try {
    ({ gateways, portal, terminals } = loadGatewaysFile(gatewaysFile, { ...env, SANDBOX_WEBHOOK_SECRET: c.SANDBOX_WEBHOOK_SECRET }));
  } catch (err) {
    if (err instanceof GatewayConfigError) throw new ConfigError(err.message);
    throw err;
  }
  const public_ = gateways.find((g) => g.secrets.live === DEV_SANDBOX_SECRET);
  if (public_) throw new ConfigError(`gateway "${public_.name}" would use the public development secret for live mode; set its live secret's variable`);
  let statements: StatementSettings;
  try {
    statements = loadStatementSettings(c.TOLLGATE_STATEMENTS_FILE ?? join(projectRoot(), 'config', 'statements.yaml'));
  } catch (err) {
    if (err instanceof StatementsConfigError) throw new ConfigError(err.message);
    throw err;
  }
  // A scheduled fetch whose host is not listed would fail every day, quietly: refuse to start instead.
  for (const { source } of c.EXCHANGE_RATES_FETCH) {
    const url = source === 'ecb' ? c.EXCHANGE_RATES_ECB_URL : c.EXCHANGE_RATES_NBP_URL;
    const problem = ratesUrlProblem(url, c.OUTBOUND_ALLOWED_HOSTS);
    if (problem) throw new ConfigError(`EXCHANGE_RATES_FETCH names ${source}, but ${problem}.`);
  }
  const HOST = c.HOST ?? (c.TOLLGATE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
  const config: Config = { ...c, HOST, publicBaseUrl, sandboxCallbackUrl, gateways, portal, terminals, statements };
  assertProductionSafe(config);
  return config;
}

const REFUSAL = 'Refusing to start with TOLLGATE_ENV=production';
/** Postgres passwords that are public: docker-compose's default and the embedded Postgres of npm start. */
const DEV_DATABASE_PASSWORDS = new Set(['tollgate', 'postgres', 'password']);
export const MIN_ADMIN_API_KEY_LENGTH = 32;
/** The bank account in the development gateways file: a payer must never be told to send money there. */
const DEMO_IBAN = 'PL61109010140000071219812874';
/** Every secret this project publishes; none may sign anything in production. */
const DEVELOPMENT_SECRETS = new Set([DEV_SANDBOX_SECRET, DEV_AMOUNT_HOOK_SECRET, DEV_STRIPE_MOCK_WEBHOOK_SECRET, DEV_LOOKUP_HOOK_SECRET, DEV_PORTAL_FORM_SECRET]);
/** A signing key shorter than this (decoded) is guessable; whsec_ keys are 24–64 random bytes. */
const MIN_SECRET_BYTES = 24;

/** Why a Standard Webhooks secret is unfit for production, or undefined. */
function secretProblem(secret: string): string | undefined {
  if (DEVELOPMENT_SECRETS.has(secret)) return 'a published development default';
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(body) ? Buffer.from(body, 'base64').length : 0;
  return bytes < MIN_SECRET_BYTES ? `not a whsec_ key of at least ${MIN_SECRET_BYTES} random bytes in base64 (it decodes to ${bytes})` : undefined;
}

/**
 * Uniteller's signing password is Uniteller's to issue, not a whsec_ key: in production it must
 * come from the environment (checked above) and not be short or published.
 */
function unitellerPasswordProblem(password: string): string | undefined {
  if (DEVELOPMENT_SECRETS.has(password)) return 'a published development default';
  return password.length < 16 ? `a password of ${password.length} characters, fewer than 16` : undefined;
}

/**
 * In production, every setting that would let a stranger mark a payment paid or read the ledger
 * is refused at start: sandbox adapters (whose Approve button needs no authentication), secrets
 * that are published development defaults, and a short admin key. One sentence names them all.
 */
export function assertProductionSafe(config: Config): void {
  if (config.TOLLGATE_ENV !== 'production') return;
  const problems: string[] = [];
  for (const g of config.gateways) {
    if (g.adapter === 'sandbox') problems.push(`gateway "${g.name}" uses the sandbox adapter, whose checkout approves payments without authentication`);
  }
  for (const g of config.gateways) {
    for (const mode of ['test', 'live'] as const) {
      const secret = g.secrets[mode];
      if (g.secretSources?.[mode] === 'default') {
        problems.push(`gateway "${g.name}"'s ${mode} secret is a development default (set its variable)`);
      } else if (g.adapter === 'uniteller') {
        const problem = secret === undefined ? undefined : unitellerPasswordProblem(secret);
        if (problem) problems.push(`gateway "${g.name}"'s ${mode} secret is ${problem}`);
      } else if (g.adapter === 'assist') {
        // Assist's secret word is chosen in its merchant cabinet, not a whsec_ key: only a published one is refused.
        if (secret !== undefined && DEVELOPMENT_SECRETS.has(secret)) problems.push(`gateway "${g.name}"'s ${mode} secret word is a published development default`);
      } else if (secret !== undefined && secretProblem(secret)) {
        problems.push(`gateway "${g.name}"'s ${mode} secret is ${secretProblem(secret)}`);
      }
    }
  }
  for (const g of config.gateways) {
    for (const mode of g.assist?.customBases ?? []) problems.push(`gateway "${g.name}" sends its ${mode} Assist calls to ${g.assist?.accounts[mode]?.base ?? 'another server'} instead of Assist's (remove api_bases)`);
    for (const what of g.assist?.defaultsUsed ?? []) problems.push(`gateway "${g.name}"'s assist ${what} is a development default (set its variable)`);
    if (g.stripe?.apiBase) problems.push(`gateway "${g.name}" sends its Stripe calls to ${g.stripe.apiBase} instead of Stripe (remove api_base)`);
    for (const mode of ['test', 'live'] as const) {
      if (g.stripe?.apiKeySources[mode] === 'default') problems.push(`gateway "${g.name}"'s ${mode} API key is a development default (set its variable)`);
    }
  }
  for (const g of config.gateways) {
    for (const mode of g.uniteller?.overridden ?? []) problems.push(`gateway "${g.name}" sends its ${mode}-mode Uniteller requests to ${g.uniteller?.endpoints[mode] ?? ''} instead of Uniteller (remove uniteller.endpoints)`);
    for (const mode of ['test', 'live'] as const) {
      if (g.uniteller?.apiPasswordSources[mode] === 'default') problems.push(`gateway "${g.name}"'s ${mode} Uniteller results password is a development default (set its variable)`);
    }
  }
  for (const g of config.gateways) {
    if (g.account?.iban.toUpperCase().replace(/[^A-Z0-9]/g, '') === DEMO_IBAN) problems.push(`gateway "${g.name}" shows the demo account ${DEMO_IBAN} to payers`);
  }
  for (const t of config.terminals ?? []) problems.push(...terminalProductionProblems(t));
  if (config.AMOUNT_HOOK_SECRET === DEV_AMOUNT_HOOK_SECRET) problems.push('AMOUNT_HOOK_SECRET is unset or the development default');
  else if (secretProblem(config.AMOUNT_HOOK_SECRET)) problems.push(`AMOUNT_HOOK_SECRET is ${secretProblem(config.AMOUNT_HOOK_SECRET)}`);
  // Whoever knows the form secret could seal a state naming any customer: the portal needs its own.
  if (config.portal?.enabled) {
    if (config.PORTAL_FORM_SECRET === DEV_PORTAL_FORM_SECRET) problems.push('PORTAL_FORM_SECRET is unset or the development default (the top-up portal is enabled)');
    else if (secretProblem(config.PORTAL_FORM_SECRET)) problems.push(`PORTAL_FORM_SECRET is ${secretProblem(config.PORTAL_FORM_SECRET)}`);
  }
  if (config.LOOKUP_HOOK_URL !== undefined) {
    // The same rule as a webhook endpoint's: https, and no inside address OUTBOUND_ALLOWED_HOSTS does not list.
    const urlProblem = endpointUrlProblem(config.LOOKUP_HOOK_URL, { production: true, allow: config.OUTBOUND_ALLOWED_HOSTS });
    if (urlProblem) problems.push(`LOOKUP_HOOK_URL ${urlProblem}`);
    if (secretProblem(config.LOOKUP_HOOK_SECRET)) problems.push(`LOOKUP_HOOK_SECRET is ${secretProblem(config.LOOKUP_HOOK_SECRET)}`);
  }
  for (const [where, password] of [['DATABASE_URL', databasePassword(config.DATABASE_URL)], ['PGPASSWORD', config.PGPASSWORD]] as const) {
    if (password !== undefined && DEV_DATABASE_PASSWORDS.has(password)) {
      problems.push(`the password in ${where} is the development default "${password}" (set POSTGRES_PASSWORD in docker-compose)`);
    }
  }
  const adminKey = config.TOLLGATE_ADMIN_API_KEY;
  if (adminKey !== undefined && adminKey.length < MIN_ADMIN_API_KEY_LENGTH) {
    problems.push(`TOLLGATE_ADMIN_API_KEY has ${adminKey.length} characters, fewer than ${MIN_ADMIN_API_KEY_LENGTH}`);
  }
  if (problems.length) throw new ConfigError(`${REFUSAL}: ${problems.join('; ')}.`);
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    // pg takes the password from the userinfo or from a ?password= parameter.
    const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
    return password || undefined;
  } catch {
    return undefined;
  }
}
