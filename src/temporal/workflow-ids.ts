/** Workflow ids are business keys: a repeated start finds the running workflow. */
export const paymentWorkflowId = (paymentId: string): string => `payment:${paymentId}`;
export const subscriptionWorkflowId = (subscriptionId: string): string => `subscription:${subscriptionId}`;
