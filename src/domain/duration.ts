import { ValidationError } from './errors.js';

/**
 * ISO 8601 durations with fixed-length parts only (days, hours, minutes, seconds; weeks as 7 days).
 * Months and years have no fixed length, so calendar schedules have their own math.
 */
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

export function parseIsoDurationMs(text: string): number {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    throw new ValidationError(`"${text}" is not an ISO 8601 duration such as PT30M, P1D or P2DT6H`);
  }
  const [, w, d, h, min, s] = m;
  const seconds = Number(s ?? 0);
  const ms =
    (((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 +
    Math.round(seconds * 1000);
  if (ms <= 0) throw new ValidationError(`"${text}" must be longer than zero`);
  return ms;
}
