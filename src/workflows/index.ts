// The worker's workflowsPath: every workflow Tollgate runs, with its signals, updates and queries.
export * from './payment.js';
export * from './subscription.js';
export * from './temporary-payment.js';
export * from './statement-import.js';
export * from './dispute.js';
export * from './refund.js';
export * from './daily-summary.js';
export * from './notification.js';
export * from './webhook-delivery.js';
export * from './exchange-rates.js';
