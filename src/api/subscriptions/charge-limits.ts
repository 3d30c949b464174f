import { ruleViolation, ValidationError } from '../../domain/errors.js';
import { type Schedule, schedulePeriodProblem, validateSchedule } from '../../domain/schedule.js';
import type { SubscriptionRow } from '../../db/subscriptions.js';
import { recurringChargeProblem } from '../../gateways/limits.js';
import type { AppDeps } from '../env.js';


/**
 * An amount the API is asked to charge or to charge from now on (PATCH, /charges, charge-now) must
 * pass the subscription's gateway's recurring limits as they are configured now. The charge
 * activity checks again at charge time, so an amount hook's answer is held to the same rule.
 */
export function assertChargeable(deps: Pick<AppDeps, 'gateways'>, row: SubscriptionRow, amount: number | undefined): void {
  if (amount === undefined) return;
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new ValidationError('amount: must be a positive integer of minor units', { errors: [{ path: 'amount', message: 'a positive integer of minor units' }] });
  }
  const gateway = deps.gateways.get(row.gateway);
  if (!gateway) throw ruleViolation('amount', `the subscription's gateway "${row.gateway}" is no longer configured`);
  const problem = recurringChargeProblem(gateway.settings, BigInt(amount), row.currency);
  if (problem) throw ruleViolation('amount', problem);
}

/** A new schedule must not be shorter than the subscription's mode allows (PT1M live, PT5S test). */
export function assertSchedule(row: SubscriptionRow, input: unknown): Schedule & { amount_hook?: string } {
  const schedule = validateSchedule(input);
  const tooShort = schedulePeriodProblem(schedule, row.mode);
  if (tooShort) throw ruleViolation('schedule', tooShort);
  return schedule;
}
