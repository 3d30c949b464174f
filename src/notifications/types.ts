/** The e-mails Tollgate sends: one template each (templates/email/<type>/), in every locale. */
export const NOTIFICATION_LOCALES = ['en', 'pl', 'ru'] as const;
export type NotificationLocale = (typeof NOTIFICATION_LOCALES)[number];

export const CUSTOMER_NOTIFICATION_TYPES = [
  'payment_received',
  'charge_failed',
  'card_expiring',
  'subscription_stopped',
  'refund_made',
  'temporary_payment_created',
] as const;
export const ADMIN_NOTIFICATION_TYPES = ['callback_refused', 'webhook_endpoint_disabled', 'statement_unmatched', 'daily_summary'] as const;
export type CustomerNotificationType = (typeof CUSTOMER_NOTIFICATION_TYPES)[number];
export type AdminNotificationType = (typeof ADMIN_NOTIFICATION_TYPES)[number];
export type NotificationType = CustomerNotificationType | AdminNotificationType;

