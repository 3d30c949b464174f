import { defineSignal } from '@temporalio/workflow';
import type { RefundOutcome } from '../gateways/types.js';

/** A refund's outcome reported by its gateway's callback, for `refund:<id>` (delivered by the callback relay). */
export const refundOutcomeSignal = defineSignal<[RefundOutcome]>('refundOutcome');
