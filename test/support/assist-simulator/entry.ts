import type { SimMerchant } from './books.js';

/** The two Assist merchant accounts the tests use: the test server's and the production one's. */
export const ASSIST_TEST_ACCOUNT: SimMerchant = { merchantId: '123456', login: 'tollgate_test', password: 'TestPassword1', salt: 'Sekretne_slowo', testmode: true };
export const ASSIST_LIVE_ACCOUNT: SimMerchant = { merchantId: '654321', login: 'tollgate_live', password: 'LivePassword1', salt: 'Produkcyjne_slowo', testmode: false };

/** The live account's credentials, from the environment as production reads them. */
export const assistLiveEnv = {
  ASSIST_LIVE_SALT: ASSIST_LIVE_ACCOUNT.salt,
  ASSIST_LIVE_MERCHANT_ID: ASSIST_LIVE_ACCOUNT.merchantId,
  ASSIST_LIVE_LOGIN: ASSIST_LIVE_ACCOUNT.login,
  ASSIST_LIVE_PASSWORD: ASSIST_LIVE_ACCOUNT.password,
};

/** An assist gateway in test mode whose accounts are the ones above; `bases` points both modes at a simulator. */
export const assistEntry = (bases?: { test?: string; live?: string }, over: Record<string, unknown> = {}) => ({
  name: 'assist',
  adapter: 'assist',
  mode: 'test',
  secrets: { test: { env: 'ASSIST_TEST_SALT', default: ASSIST_TEST_ACCOUNT.salt }, live: { env: 'ASSIST_LIVE_SALT' } },
  recurring: { enabled: true, min_amount: 100, max_amount: 100_000 },
  assist: {
    merchant_ids: { test: { env: 'ASSIST_TEST_MERCHANT_ID', default: ASSIST_TEST_ACCOUNT.merchantId }, live: { env: 'ASSIST_LIVE_MERCHANT_ID' } },
    logins: { test: { env: 'ASSIST_TEST_LOGIN', default: ASSIST_TEST_ACCOUNT.login }, live: { env: 'ASSIST_LIVE_LOGIN' } },
    passwords: { test: { env: 'ASSIST_TEST_PASSWORD', default: ASSIST_TEST_ACCOUNT.password }, live: { env: 'ASSIST_LIVE_PASSWORD' } },
    ...(bases ? { api_bases: bases } : {}),
  },
  ...over,
});
