import type { IdentificationChannel } from './types.js';

/**
 * The recommended sum (ABillS PAYSYS_ADD_TO_RECOMMENDED_SUMM): the debt (the negative balance, or
 * nothing) plus the channel's top-up, never below the channel's smallest sum. Unknown balance →
 * null: a sum the billing system did not give is never guessed. Minor units throughout.
 */
export function recommendedSumMinor(channel: Pick<IdentificationChannel, 'addToRecommendedMinor' | 'minAmountMinor'>, balanceMinor: bigint | null): bigint | null {
  if (balanceMinor === null) return null;
  const debt = balanceMinor < 0n ? -balanceMinor : 0n;
  return atLeastMinimum(channel, debt + channel.addToRecommendedMinor);
}

/** A sum raised to the channel's smallest (a billing system's own recommended sum goes through it too). */
export function atLeastMinimum(channel: Pick<IdentificationChannel, 'minAmountMinor'>, sumMinor: bigint): bigint {
  return sumMinor < channel.minAmountMinor ? channel.minAmountMinor : sumMinor;
}

/**
 * The least sum this channel takes from this payer: the recommended sum when the channel says so
 * (PAYSYS_MIN_SUM_RECOMMENDED_PAY) and one is known, else the channel's smallest. The terminals and
 * the portal both refuse below it, so a payer meets one rule whichever way they pay.
 */
export function leastSumMinor(channel: Pick<IdentificationChannel, 'minAmountMinor' | 'recommendedIsMinimum'>, payer: { recommendedMinor: bigint | null }): bigint {
  if (channel.recommendedIsMinimum && payer.recommendedMinor !== null) return atLeastMinimum(channel, payer.recommendedMinor);
  return channel.minAmountMinor;
}
