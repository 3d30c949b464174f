/**
 * When a webhook delivery is tried (issue 12 §1): at once, then after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 10 h — eight attempts over about 27 h 35 min — each wait stretched or shrunk by up to
 * JITTER so that a receiver that comes back is not hit by every delivery in the same second.
 * Pure: the workflow passes its own (deterministic) Math.random.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Attempts of one run: the first and one per delay. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

/** ±10 % of each wait. */
export const WEBHOOK_RETRY_JITTER = 0.1;

/**
 * The wait after failed attempt `attempt` (1-based), jittered with `random` in [0, 1); undefined
 * after the last attempt (the delivery has failed).
 */
export function webhookRetryDelayMs(attempt: number, random: number): number | undefined {
  const base = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - WEBHOOK_RETRY_JITTER + 2 * WEBHOOK_RETRY_JITTER * random));
}

/** An endpoint failing every attempt for this long is disabled ('failing'). */
export const WEBHOOK_FAILING_DISABLE_MS = 5 * 86_400_000;

/** How much of a receiver's answer the attempt log keeps. */
export const WEBHOOK_RESPONSE_EXCERPT_BYTES = 4096;
