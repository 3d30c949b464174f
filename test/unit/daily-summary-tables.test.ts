import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptOutcomeGroup, SubscriptionGroup } from '../../src/db/daily-summary.js';
import { attemptsSummary, subscriptionsTable } from '../../src/notifications/summary-tables.js';

/**
 * The daily summary's subscription table and attempts line in every locale: subscriptions charged
 * and failed for good as rows, each attempt counted on a line of its own, test mode marked.
 */
describe('daily summary: subscriptions and attempts', () => {
  const groups: SubscriptionGroup[] = [
    { mode: 'test', result: 'retries_exhausted', currency: 'PLN', count: 2, sum_minor: 5000n },
    { mode: 'live', result: 'charged', currency: 'PLN', count: 3, sum_minor: 14997n },
    { mode: 'live', result: 'hard_decline', currency: 'EUR', count: 1, sum_minor: 999n },
  ];
  const attempts: AttemptOutcomeGroup[] = [
    { mode: 'live', outcome: 'success', count: 3 },
    { mode: 'live', outcome: 'soft_decline', count: 4 },
    { mode: 'live', outcome: 'hard_decline', count: 1 },
    { mode: 'live', outcome: 'technical_error', count: 2 },
    { mode: 'live', outcome: 'unknown', count: 1 },
    { mode: 'test', outcome: 'action_required', count: 1 },
  ];
  const rows = (text: string) => text.split('\n').slice(2).map((l) => l.split(/\s{2,}/)[0]);

  it('en', () => {
    assert.deepEqual(rows(subscriptionsTable(groups, 'en').text), ['charged', 'failed for good: retries exhausted (test)', 'failed for good: card refused']);
    assert.deepEqual(attemptsSummary(attempts, 'en').text.split('\n'), [
      'Charge attempts: 3 succeeded, 5 declined, 3 errored',
      'Charge attempts (test): 0 succeeded, 0 declined, 0 errored, 1 awaiting authentication',
    ]);
    assert.equal(attemptsSummary([], 'en').text, 'Charge attempts: 0 succeeded, 0 declined, 0 errored', 'a day without attempts says so');
    assert.equal(subscriptionsTable([], 'en').text, 'None.');
  });

  it('pl', () => {
    assert.deepEqual(rows(subscriptionsTable(groups, 'pl').text), ['pobrane', 'nieudane ostatecznie: wyczerpane próby (test)', 'nieudane ostatecznie: karta odrzucona']);
    assert.equal(attemptsSummary(attempts, 'pl').text.split('\n')[0], 'Próby obciążenia: udane: 3, odrzucone: 5, z błędem: 3');
  });

  it('ru', () => {
    assert.deepEqual(rows(subscriptionsTable(groups, 'ru').text), ['списано', 'окончательно не прошло: попытки исчерпаны (тест)', 'окончательно не прошло: карта отклонена']);
    assert.deepEqual(attemptsSummary(attempts, 'ru').text.split('\n'), [
      'Попытки списания: успешно: 3, отклонено: 5, с ошибкой: 3',
      'Попытки списания (тест): успешно: 0, отклонено: 0, с ошибкой: 0, ждут подтверждения клиентом: 1',
    ]);
    assert.ok(attemptsSummary(attempts, 'ru').html.startsWith('<p style="margin:4px 0;color:#374151">Попытки списания: успешно: 3'));
  });
});
