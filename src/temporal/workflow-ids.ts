/** Workflow ids are business keys: a repeated start finds the running workflow. */
export const paymentWorkflowId = (paymentId: string): string => `payment:${paymentId}`;
export const subscriptionWorkflowId = (subscriptionId: string): string => `subscription:${subscriptionId}`;
export const temporaryPaymentWorkflowId = (temporaryPaymentId: string): string => `temporary-payment:${temporaryPaymentId}`;
/** Keyed by the file's SHA-256: the same file imported twice is one import. */
export const statementImportWorkflowId = (sha256: string): string => `bank-statement:${sha256}`;
export const refundWorkflowId = (refundId: string): string => `refund:${refundId}`;
/** Keyed by the gateway's own dispute id: every update of one dispute reaches one workflow. */
export const disputeWorkflowId = (gateway: string, gatewayDisputeId: string): string => `dispute:${gateway}:${gatewayDisputeId}`;
/** One delivery of one event to one endpoint; a manual retry or a recover is a new run. */
export const webhookDeliveryWorkflowId = (deliveryId: string, run: number): string => `webhook-delivery:${deliveryId}:${run}`;
export const notificationWorkflowId = (notificationId: string): string => `notification:${notificationId}`;
/** The one admin summary e-mail loop of a deployment. */
export const DAILY_SUMMARY_WORKFLOW_ID = 'daily-summary';
/** The scheduled rates fetch of one source (EXCHANGE_RATES_FETCH): one loop per source per deployment. */
export const exchangeRatesWorkflowId = (source: string): string => `exchange-rates:${source}`;
