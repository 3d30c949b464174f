import { RuleViolationError } from '../../domain/errors.js';
import { type Schedule, schedulePeriodProblem, validateSchedule } from '../../domain/schedule.js';
import type { SubscriptionRow } from '../../db/subscriptions.js';
import { recurringChargeProblem } from '../../gateways/limits.js';
import type { AppDeps } from '../env.js';

const rule = (path: string, message: string) => new RuleViolationError(`${path}: ${message}`, { errors: [{ path, message }] });

/**
 * An amount the API is asked to charge or to charge from now on (PATCH, /charges, charge-now) must
 * pass the subscription's gateway's recurring limits as they are configured now. The charge
 * activity checks again at charge time, so an amount hook's answer is held to the same rule.
 */
export function assertChargeable(deps: Pick<AppDeps, 'gateways'>, row: SubscriptionRow, amount: number | undefined): void {
  if (amount === undefined) return;
  const gateway = deps.gateways.get(row.gateway);
  if (!gateway) throw rule('amount', `the subscription's gateway "${row.gateway}" is no longer configured`);
  const problem = recurringChargeProblem(gateway.settings, BigInt(amount), row.currency);
  if (problem) throw rule('amount', problem);
}

/** A new schedule must not be shorter than the subscription's mode allows (PT1M live, PT5S test). */
export function assertSchedule(row: SubscriptionRow, input: unknown): Schedule & { amount_hook?: string } {
  const schedule = validateSchedule(input);
  const tooShort = schedulePeriodProblem(schedule, row.mode);
  if (tooShort) throw rule('schedule', tooShort);
  return schedule;
}
