/**
 * A gateway's commission on a top-up (ABillS Paysys: "Комиссия за улучшенный сервис", shown as its
 * own line above "Всего Сумма"): a fixed fee and/or a percentage of the sum, in minor units. The
 * payer pays sum + commission; the customer is credited the sum.
 *
 * Rounding: the percentage part is rounded half up to the currency's minor unit (the sums are
 * never negative, so half up = half away from zero); the fixed part is already whole. ABillS's own
 * example — 1.00 at 2.5 % is 0.025, shown as 0.03, total 1.03 — comes out the same.
 */
export interface Commission {
  /** Minor units added to every payment. */
  fixedMinor: bigint;
  /** A percentage as a decimal string ("2.5"), 0 ≤ p < 100, at most PERCENT_DECIMALS decimals. */
  percent: string;
}

/** Enough for any fee schedule written as a percentage (0.0001 % = one unit per million). */
export const PERCENT_DECIMALS = 4;
const PERCENT = /^(\d{1,2})(?:\.(\d{1,4}))?$/;

/** Why a percentage string cannot be used, or undefined (checked when the gateways file loads). */
export function percentProblem(text: string): string | undefined {
  return PERCENT.test(text) ? undefined : `a decimal string from "0" to "99.${'9'.repeat(PERCENT_DECIMALS)}" with at most ${PERCENT_DECIMALS} decimals, such as "2.5"`;
}

/** The percentage as an integer count of 1/10^PERCENT_DECIMALS percent ("2.5" → 25000n). */
function percentUnits(text: string): bigint {
  const m = PERCENT.exec(text);
  if (!m) throw new Error(`commission percent "${text}" is not ${percentProblem(text) ?? ''}`);
  const [, whole = '0', fraction = ''] = m;
  return BigInt(whole + fraction.padEnd(PERCENT_DECIMALS, '0'));
}

/** 100 % in percentUnits. */
const HUNDRED_PERCENT = 100n * 10n ** BigInt(PERCENT_DECIMALS);

/** The commission on a sum of minor units: fixed + round_half_up(sum × percent / 100). */
export function commissionMinor(sumMinor: bigint, c: Commission | null | undefined): bigint {
  if (!c) return 0n;
  if (sumMinor < 0n) throw new Error('a commission is taken on a positive sum');
  // HUNDRED_PERCENT is even, so adding its half before the floor division rounds .5 up exactly.
  const share = (sumMinor * percentUnits(c.percent) + HUNDRED_PERCENT / 2n) / HUNDRED_PERCENT;
  return c.fixedMinor + share;
}

/** Whether a commission takes anything at all (zero fixed and zero percent shows no line). */
export function hasCommission(c: Commission | null | undefined): c is Commission {
  return !!c && (c.fixedMinor > 0n || percentUnits(c.percent) > 0n);
}

/** Why a top-up sum is outside the channel's bounds (ABillS PAYSYS_MIN_SUM / PAYSYS_MAX_SUM), or undefined. */
export function sumOutOfBounds(sumMinor: bigint, minMinor: bigint, maxMinor: bigint): 'below_min' | 'above_max' | undefined {
  if (sumMinor < minMinor) return 'below_min';
  if (sumMinor > maxMinor) return 'above_max';
  return undefined;
}
