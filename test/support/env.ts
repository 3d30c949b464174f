/**
 * What test/run.ts started for this run, handed to test files through the environment.
 * Test files read these instead of starting servers of their own.
 */
function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with \`npm test\` (test/run.ts starts the servers).`);
  return v;
}

export const testEnv = {
  temporalAddress: () => required('TOLLGATE_TEST_TEMPORAL_ADDRESS'),
  databaseUrl: () => required('TOLLGATE_TEST_DATABASE_URL'),
  postgresAdminUrl: () => required('TOLLGATE_TEST_POSTGRES_ADMIN_URL'),
  timeSkippingServer: () => required('TOLLGATE_TEST_TIME_SKIPPING_SERVER'),
  temporalCli: () => required('TOLLGATE_TEST_TEMPORAL_CLI'),
  /** The run's stripe-mock (http://127.0.0.1:<port>), which the Stripe adapter's tests point api_base at. */
  stripeMockUrl: () => required('TOLLGATE_TEST_STRIPE_MOCK_URL'),
  /** The run's Mailpit: its API (http://127.0.0.1:<port>/api/v1/…) and the SMTP_URL that sends to it. */
  mailpitUrl: () => required('TOLLGATE_TEST_MAILPIT_URL'),
  smtpUrl: () => required('TOLLGATE_TEST_SMTP_URL'),
  /** The Mailpit binary, for a test that needs a server of its own (one it stops, one that refuses recipients). */
  mailpitBinary: () => required('TOLLGATE_TEST_MAILPIT'),
  /** The reliability run's API processes (test/reliability/run.ts), base URLs without a trailing slash. */
  apiUrls: () => required('TOLLGATE_TEST_API_URLS').split(',').map((u) => u.trim()).filter(Boolean),
  /** The admin API key those APIs accept as `Authorization: Bearer …`. */
  adminKey: () => required('TOLLGATE_TEST_ADMIN_KEY'),
};
