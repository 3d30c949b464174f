import { type AuthenticationActivityDeps, createAuthenticationActivities } from './subscription-authentication.js';
import { createStatementActivities, type StatementActivityDeps } from './bank-statements.js';
import { createDailySummaryActivities, type DailySummaryActivityDeps } from './daily-summary.js';
import { createDisputeActivities } from './disputes.js';
import { createExchangeRatesActivities, type ExchangeRatesActivityDeps } from './exchange-rates.js';
import { createNotificationActivities, type NotificationActivityDeps } from './notifications.js';
import { createPaymentCancelActivities } from './payment-cancel.js';
import { createPaymentActivities, type PaymentActivityDeps } from './payments.js';
import { createRefundActivities, type RefundActivityDeps } from './refunds.js';
import { createSubscriptionActivities, type SubscriptionActivityDeps } from './subscriptions.js';
import { createTemporaryPaymentActivities } from './temporary-payments.js';

/** Everything activities need, built once by the worker (src/worker/create-worker.ts); tests pass fakes. */
export type ActivityDeps = PaymentActivityDeps & SubscriptionActivityDeps & StatementActivityDeps & AuthenticationActivityDeps & RefundActivityDeps & DailySummaryActivityDeps & NotificationActivityDeps & ExchangeRatesActivityDeps;

/** Every activity Tollgate registers. Workflows import only this function's type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createPaymentCancelActivities(deps),
    ...createDisputeActivities(deps),
    ...createSubscriptionActivities(deps),
    ...createAuthenticationActivities(deps),
    ...createTemporaryPaymentActivities(deps),
    ...createStatementActivities(deps),
    ...createRefundActivities(deps),
    ...createDailySummaryActivities(deps),
    ...createNotificationActivities(deps),
    ...createExchangeRatesActivities(deps),
  };
}
