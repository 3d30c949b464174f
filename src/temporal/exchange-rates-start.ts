import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Config } from '../config.js';
import { IMPORT_SOURCES, type ImportSource } from '../rates/types.js';
import type { exchangeRatesWorkflow } from '../workflows/exchange-rates.js';
import { exchangeRatesSettingsSignal, exchangeRatesStopSignal } from '../workflows/exchange-rates-messages.js';
import { TollgateKind, TollgateNextActionAt } from './search-attributes.js';
import { exchangeRatesWorkflowId } from './workflow-ids.js';

/**
 * Makes sure each source EXCHANGE_RATES_FETCH names has its loop (`exchange-rates:<source>`),
 * with this process's time: a signal-with-start, so the first worker starts it and every later one
 * (a restart, a second replica) only tells it the settings — the same, or a changed time taking
 * effect. A source no longer named is told to stop (nothing happens if its loop is not running).
 * Returns the sources asked to run.
 */
export async function ensureExchangeRatesFetch(client: Client, config: Pick<Config, 'EXCHANGE_RATES_FETCH' | 'TEMPORAL_TASK_QUEUE'>): Promise<ImportSource[]> {
  for (const { source, at } of config.EXCHANGE_RATES_FETCH) {
    const settings = { at };
    await client.workflow.signalWithStart<typeof exchangeRatesWorkflow, [typeof settings]>('exchangeRatesWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: exchangeRatesWorkflowId(source),
      args: [{ source, at }],
      signal: exchangeRatesSettingsSignal,
      signalArgs: [settings],
      typedSearchAttributes: [
        { key: TollgateKind, value: 'exchange_rates' },
        { key: TollgateNextActionAt, value: new Date() },
      ],
    });
  }
  for (const source of IMPORT_SOURCES.filter((s) => !config.EXCHANGE_RATES_FETCH.some((e) => e.source === s))) {
    try {
      await client.workflow.getHandle(exchangeRatesWorkflowId(source)).signal(exchangeRatesStopSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return config.EXCHANGE_RATES_FETCH.map((e) => e.source);
}
