import { ActivityFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { TollgateState } from '../temporal/search-attributes.js';
import { LEDGER_WRITES, NOTIFICATION_SENDING } from './activity-options.js';

export interface NotificationWorkflowInput {
  notificationId: string;
}

export type NotificationOutcome = 'sent' | 'failed' | 'missing';

const { sendNotificationEmail } = proxyActivities<ReturnType<typeof createActivities>>(NOTIFICATION_SENDING);
const { recordNotificationSent, recordNotificationFailed } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

/**
 * One workflow per e-mail (`notification:<id>`, started by the outbox): render and send with
 * retries, then record the outcome. Sending and recording are separate activities so a database
 * outage after SMTP took the message retries only the record, never the send. What remains: a
 * worker that dies after SMTP accepted the message but before Temporal heard so sends it once more
 * (with the same Message-ID) — SMTP has no idempotency key to ask about.
 */
export async function notificationWorkflow(input: NotificationWorkflowInput): Promise<NotificationOutcome> {
  const id = input.notificationId;
  let answer;
  try {
    answer = await sendNotificationEmail({ notificationId: id });
  } catch (err) {
    // The week of retries ran out (NOTIFICATION_SENDING's scheduleToCloseTimeout).
    if (!(err instanceof ActivityFailure)) throw err;
    await recordNotificationFailed({ notificationId: id, error: undefined, subject: null });
    return finish('failed');
  }
  switch (answer.kind) {
    case 'sent':
      await recordNotificationSent({ notificationId: id, subject: answer.subject, messageId: answer.messageId, rejected: answer.rejected });
      return finish('sent');
    case 'permanent':
      await recordNotificationFailed({ notificationId: id, error: answer.error, subject: answer.subject });
      return finish('failed');
    case 'skipped':
      return finish(answer.status);
  }
}

function finish(outcome: NotificationOutcome): NotificationOutcome {
  upsertSearchAttributes([{ key: TollgateState, value: outcome }]);
  return outcome;
}
