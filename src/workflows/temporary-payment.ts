import {
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { LEDGER_WRITES } from './activity-options.js';
import { TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';
import { STATE_CONFLICT } from '../domain/errors.js';
import {
  bankMatchedSignal,
  type ManualChange,
  type SettledReason,
  settleUpdate,
  type TemporaryPaymentInput,
  type TemporaryPaymentState,
  temporaryPaymentStateQuery,
  type TemporaryStatus,
  unsettleUpdate,
} from './temporary-payment-messages.js';

export * from './temporary-payment-messages.js';

/** What the settle/unsettle activities report: the row as it is afterwards. */
type ActivityResult = { status: TemporaryStatus; settledReason: SettledReason | null; bankLineId: string | null };

const { settleTemporaryPayment, unsettleTemporaryPayment } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

/**
 * One workflow per temporary payment (`temporary-payment:<id>`), BillTech's "payment that counts
 * at once and is settled later". It waits, open, until a bank-statement line matches it, its expiry
 * passes (it then closes as settled, reason `expired`), or a person settles it. A hand settlement
 * can be undone (unsettle), which re-arms the expiry clock. A bank or expiry settlement ends the
 * workflow; a bank line paying it after its expiry, or a person reopening it, starts a new run in
 * the settled state (`input.settled`), so every settlement can be reopened by hand. Postgres is written only by activities, each change with its event and
 * history row; the workflow decides the order, so exactly one settlement wins.
 */
export async function temporaryPaymentWorkflow(input: TemporaryPaymentInput): Promise<TemporaryPaymentState> {
  const s: TemporaryPaymentState = {
    temporaryPaymentId: input.temporaryPaymentId,
    status: input.settled ? 'settled' : 'open',
    settledReason: input.settled?.reason ?? null,
    expiresAt: input.settled ? null : input.expiresAt,
    bankLineId: input.settled?.bankLineId ?? null,
  };
  let bankLine: string | undefined;
  /** A manual change is being written; the main loop waits for it instead of racing it. */
  let busy = false;
  /** The main loop has decided to close (bank or expiry): manual changes are refused from here on. */
  let closing = false;

  setHandler(temporaryPaymentStateQuery, () => s);
  /** The row as the activity left it: Postgres decides which settlement happened. `openUntil`: the expiry if it is open. */
  const record = (r: ActivityResult, openUntil: string | null = s.expiresAt) => {
    Object.assign(s, { status: r.status, settledReason: r.settledReason, bankLineId: r.bankLineId, expiresAt: r.status === 'settled' ? null : openUntil });
    publish(s);
  };
  setHandler(bankMatchedSignal, ({ lineId }) => {
    bankLine ??= lineId;
  });
  /**
   * A hand change, written by its activity while the main loop waits (busy). If a statement line was
   * matched meanwhile, the activity settled it by the bank instead, and that is final.
   */
  const manually = async (write: () => Promise<ActivityResult>, reopenedUntil: string | null) => {
    busy = true;
    try {
      const r = await write();
      record(r, reopenedUntil);
      if (r.settledReason === 'bank' && r.bankLineId) bankLine ??= r.bankLineId;
    } finally {
      busy = false;
    }
    return s;
  };
  setHandler(
    settleUpdate,
    ({ actor, note }) => manually(() => settleTemporaryPayment({ temporaryPaymentId: s.temporaryPaymentId, reason: 'manual', actor, note }), null),
    {
      validator: (_change: ManualChange) => {
        if (closing || s.status !== 'open' || busy) {
          throw ApplicationFailure.nonRetryable(`the temporary payment is ${describe(s)}`, STATE_CONFLICT);
        }
      },
    },
  );
  setHandler(
    unsettleUpdate,
    ({ actor, note }) => {
      const expiresAt = input.expirationMs === null ? null : new Date(Date.now() + input.expirationMs).toISOString();
      return manually(() => unsettleTemporaryPayment({ temporaryPaymentId: s.temporaryPaymentId, expiresAt, actor, note }), expiresAt);
    },
    {
      validator: (_change: ManualChange) => {
        if (closing || s.status !== 'settled' || busy || bankLine !== undefined) {
          throw ApplicationFailure.nonRetryable(
            s.status === 'open' ? 'the temporary payment is open; only a settled one can be unsettled' : `the temporary payment is ${describe(s)} and changing right now; retry shortly`,
            STATE_CONFLICT,
          );
        }
      },
    },
  );

  for (;;) {
    const expiresAt = s.expiresAt;
    const timeout = s.status === 'open' && expiresAt !== null ? Math.max(0, Date.parse(expiresAt) - Date.now()) : undefined;
    const expiry = s.expiresAt;
    const woke = await condition(() => bankLine !== undefined || busy || s.expiresAt !== expiry, timeout);
    if (busy) {
      await condition(() => !busy);
      continue;
    }
    // A statement line beats an expiry that falls due in the same instant: signals are handled first.
    if (bankLine !== undefined) {
      closing = true;
      record(await settleTemporaryPayment({ temporaryPaymentId: s.temporaryPaymentId, reason: 'bank', lineId: bankLine, actor: 'bank_statement' }));
      return s;
    }
    if (!woke && s.status === 'open') {
      closing = true;
      // The activity settles it by the bank instead if a matched line's signal is still on the way.
      record(await settleTemporaryPayment({ temporaryPaymentId: s.temporaryPaymentId, reason: 'expired', actor: 'expiry' }));
      if (bankLine === undefined || s.settledReason === 'bank') return s;
      // A line that arrived while the expiry was written confirms it now, in this run (runs
      // recorded before this rule ended here).
      if (!patched('bank-line-during-expiry')) return s;
    }
  }
}

function describe(s: TemporaryPaymentState): string {
  return s.status === 'open' ? 'open' : `settled (${s.settledReason ?? 'unknown'})`;
}

function publish(s: TemporaryPaymentState): void {
  upsertSearchAttributes([
    { key: TollgateState, value: s.status === 'open' ? 'open' : `settled_${s.settledReason ?? ''}` },
    { key: TollgateNextActionAt, value: s.expiresAt ? new Date(s.expiresAt) : null },
  ]);
}
