import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { STATEMENT_ENCODINGS } from './statements/decode.js';

/**
 * The statements file (config/statements.yaml by default): extra reference patterns and named CSV
 * column maps. Read at start, so a bad pattern stops the process with the file and entry named.
 */
export const CsvMap = z
  .object({
    amount: z.string().min(1),
    currency: z.string().min(1).optional(),
    defaultCurrency: z.string().regex(/^[A-Z]{3}$/).optional(),
    date: z.string().min(1).optional(),
    valueDate: z.string().min(1).optional(),
    reference: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    counterparty: z.string().min(1).optional(),
    counterpartyAccount: z.string().min(1).optional(),
    bankReference: z.string().min(1).optional(),
    direction: z.string().min(1).optional(),
    delimiter: z.enum([',', ';', '\t']).optional(),
    decimalSeparator: z.enum(['.', ',']).optional(),
    groupSeparator: z.enum(['.', ',', ' ', "'"]).optional(),
    dateOrder: z.enum(['DMY', 'MDY']).optional(),
    encoding: z.enum(STATEMENT_ENCODINGS).optional(),
  })
  .strict()
  .refine((m) => m.currency !== undefined || m.defaultCurrency !== undefined, { message: 'needs currency (a column) or defaultCurrency' });
export type CsvMapConfig = z.infer<typeof CsvMap>;

const StatementsFile = z
  .object({
    reference_patterns: z.array(z.string().min(1)).default([]),
    csv_maps: z.record(z.string().regex(/^[a-z0-9_]+$/), CsvMap).default({}),
  })
  .strict();

export interface StatementSettings {
  patterns: RegExp[];
  csvMaps: Record<string, CsvMapConfig>;
}

export class StatementsConfigError extends Error {
  override name = 'StatementsConfigError';
}

export function loadStatementSettings(path: string): StatementSettings {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StatementsConfigError(`cannot read the statements file ${path} (TOLLGATE_STATEMENTS_FILE): ${(err as Error).message}`);
  }
  const parsed = StatementsFile.safeParse(doc ?? {});
  if (!parsed.success) {
    throw new StatementsConfigError(`the statements file ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const patterns = parsed.data.reference_patterns.map((p, i) => {
    try {
      return new RegExp(p, 'gi');
    } catch (err) {
      throw new StatementsConfigError(`the statements file ${path}: reference_patterns.${i}: ${(err as Error).message}`);
    }
  });
  return { patterns, csvMaps: parsed.data.csv_maps };
}
