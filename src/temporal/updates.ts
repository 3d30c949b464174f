import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { type ClosedWorkflow, updateFailure } from './errors.js';

/**
 * Sends a workflow update and returns its answer; every failure comes out as the API says it
 * (src/temporal/errors.ts updateFailure): a refusal or an ended workflow is a 409, Temporal away a 503.
 * `updateId` makes a repeat within one run attach to the first update.
 */
export async function runUpdate<Ret, Args extends unknown[]>(
  client: Client,
  workflowId: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  opts: ClosedWorkflow & { updateId?: string | undefined },
): Promise<Ret> {
  try {
    return await sendUpdate(client, workflowId, update, args, opts.updateId);
  } catch (err) {
    throw updateFailure(err, opts);
  }
}

/** The update as the client sends it, its errors unread: for a caller that acts on an ended workflow first (src/temporal/temporary-payment.ts). */
export function sendUpdate<Ret, Args extends unknown[]>(client: Client, workflowId: string, update: UpdateDefinition<Ret, Args>, args: Args, updateId?: string): Promise<Ret> {
  // The client's overloads split "no arguments" from "some"; on the wire both are a list.
  const def = update as unknown as UpdateDefinition<Ret, [unknown]>;
  return client.workflow.getHandle(workflowId).executeUpdate(def, { args: args as unknown as [unknown], ...(updateId !== undefined ? { updateId } : {}) });
}
