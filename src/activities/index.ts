import { createPaymentActivities, type PaymentActivityDeps } from './payments.js';

/** Everything activities need, built once by the worker (src/worker/deps.ts); tests pass fakes. */
export type ActivityDeps = PaymentActivityDeps;

/** Every activity Tollgate registers. Workflows import only this function's type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
  };
}
