import { z } from '@hono/zod-openapi';
import type { BankLineRow, BankStatementRow } from '../../db/bank-statements.js';
import { toJsonMinor } from '../../domain/money.js';
import { LINE_OUTCOMES } from '../../domain/statement-matching.js';
import { pageOf } from '../cursor.js';

export const BankLine = z
  .object({
    id: z.string(),
    line_no: z.number().int(),
    account: z.string().nullable().openapi({ description: 'The account of the statement the line is in (camt Acct/Id, MT940 :25:)' }),
    statement_ref: z.string().nullable().openapi({ description: 'That statement inside the file (camt Stmt/Id, MT940 ":20: :25: :28C:")' }),
    amount: z.number().int().openapi({ description: 'Minor units, always positive; see direction' }),
    currency: z.string(),
    direction: z.enum(['credit', 'debit']),
    entry_status: z.enum(['booked', 'pending', 'other']),
    reversal: z.boolean(),
    booking_date: z.string().nullable(),
    value_date: z.string().nullable(),
    bank_reference: z.string().nullable(),
    references: z.array(z.string()).openapi({ description: 'Candidate references found in the line, in the order they were tried' }),
    counterparty: z.string().nullable(),
    text: z.string(),
    outcome: z.enum(LINE_OUTCOMES).nullable().openapi({ description: 'null while the import is still deciding' }),
    outcome_detail: z.string().nullable(),
    matched: z
      .object({ reference: z.string().nullable(), temporary_payment_id: z.string().nullable(), payment_id: z.string().nullable(), by: z.string().nullable() })
      .nullable(),
  })
  .openapi('BankLine');
export type BankLine = z.infer<typeof BankLine>;

export const BankStatement = z
  .object({
    id: z.string(),
    format: z.enum(['camt.053', 'camt.054', 'mt940', 'mt942', 'csv']),
    sha256: z.string(),
    file_name: z.string().nullable(),
    accounts: z.array(z.string()),
    statement_ids: z.array(z.string()),
    status: z.enum(['importing', 'done']),
    line_count: z.number().int(),
    outcomes: z.record(z.string(), z.number().int()).openapi({ description: 'Lines per outcome ("pending" = not decided yet)' }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    lines: z.array(BankLine),
    next_cursor: z.string().nullable().openapi({ description: 'More lines: pass as after_line' }),
  })
  .openapi('BankStatement');
export type BankStatement = z.infer<typeof BankStatement>;

export function lineJson(l: BankLineRow): BankLine {
  return {
    id: l.id,
    line_no: l.line_no,
    account: l.account,
    statement_ref: l.statement_ref,
    amount: toJsonMinor(l.amount_minor),
    currency: l.currency,
    direction: l.direction,
    entry_status: l.entry_status,
    reversal: l.reversal,
    booking_date: l.booking_date,
    value_date: l.value_date,
    bank_reference: l.bank_reference,
    references: l.references_found,
    counterparty: l.counterparty,
    text: l.text,
    outcome: l.outcome,
    outcome_detail: l.outcome_detail,
    matched:
      l.outcome === 'matched'
        ? { reference: l.matched_reference, temporary_payment_id: l.temporary_payment_id, payment_id: l.payment_id, by: l.matched_by }
        : null,
  };
}

/** `lines`: up to limit + 1 lines from the page's start, in line order (the extra one says more follow). */
export function statementJson(s: BankStatementRow, outcomes: Record<string, number>, lines: BankLineRow[], limit: number): BankStatement {
  const page = pageOf(lines, limit, (l) => String(l.line_no));
  return {
    id: s.id,
    format: s.format,
    sha256: s.sha256,
    file_name: s.file_name,
    accounts: s.accounts,
    statement_ids: s.statement_ids,
    status: s.status,
    line_count: s.line_count,
    outcomes,
    created_at: s.created_at.toISOString(),
    completed_at: s.completed_at?.toISOString() ?? null,
    lines: page.data.map(lineJson),
    next_cursor: page.next_cursor,
  };
}
