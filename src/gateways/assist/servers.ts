import type { GatewayMode } from '../settings.js';

/**
 * Assist's own servers (the <SERVER-NAME> of its documentation): the test server and the
 * production one, each a separate merchant account. Production is payments.paysecure.ru; a
 * merchant Assist assigns another production host names it in api_bases — development only, so
 * such a merchant must ask for this list to be extended instead.
 */
export const ASSIST_SERVERS = {
  test: 'https://test.paysecure.ru',
  live: 'https://payments.paysecure.ru',
} as const satisfies Record<GatewayMode, string>;

/** The endpoints Tollgate calls or sends the payer to, from Assist's documentation. */
export const ASSIST_PATHS = {
  /** The hosted payment form ("Authorization request"). */
  order: '/pay/order.cfm',
  /** The order state web service ("Получение статуса заказа"). */
  orderState: '/orderstate/orderstate.cfm',
  /** The recurring payment web service (https://docs.assist.ru/plugins/viewsource/viewpagesrc.action?pageId=20447234). */
  recurrent: '/recurrent/rp.cfm',
  /** The cancel-or-refund web service over HTTP POST ("Cancel", https://docs.belassist.by/pages/viewpage.action?pageId=19071203). */
  cancel: '/cancel/cancel.cfm',
} as const;
