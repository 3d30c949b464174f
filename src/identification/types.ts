/**
 * Finding a customer from what a payer typed at a terminal or on the top-up portal (ABillS Paysys:
 * `PAYSYS_GATEWAY_IDENTIFIER`, `PAYSYS_ACCOUNT_EXPR`, `FIO_HIDDEN`, the recommended sum). The
 * channels (terminal networks, the portal) take an `IdentifyPayer` among their deps, so each is
 * built and tested apart from how the lookup is done.
 */

/** The identifiers a billing system keeps for a customer; `uid` is its own id for the customer (the external_ref). */
export const IDENTIFIER_KINDS = ['contract', 'login', 'phone', 'uid'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** How one channel identifies payers, from its configuration (validated at start). */
export interface IdentificationChannel {
  /** The gateway or portal name: in logs, the journal and the lookup hook's request. */
  name: string;
  /** The kinds this channel accepts, tried in this order. */
  kinds: readonly IdentifierKind[];
  /**
   * `PAYSYS_ACCOUNT_EXPR`: a regular expression with one capture group, applied to what the payer
   * typed before the lookup (e.g. `^\d*(\d{8})$` keeps the last 8 digits). null: typed as is.
   */
  accountExpression: string | null;
  /** The channel's smallest sum in minor units: the recommended sum is never below it. */
  minAmountMinor: bigint;
  /** `PAYSYS_ADD_TO_RECOMMENDED_SUMM`, in minor units: added to the debt for the recommended sum. */
  addToRecommendedMinor: bigint;
  /** `PAYSYS_MIN_SUM_RECOMMENDED_PAY`: the recommended sum is the smallest sum this channel takes. */
  recommendedIsMinimum: boolean;
}

/** What a payer may learn about the customer an identifier found. Amounts are minor units. */
export interface IdentifiedPayer {
  found: true;
  customerId: string;
  /**
   * Which identifier matched (never shown to the payer; terminal_transactions.account_kind). Found
   * by the lookup hook alone: the first of the channel's kinds the typed value can be.
   */
  kind: IdentifierKind;
  /** `identifier`: Tollgate's own identifiers found it; `hook`: only the billing system's lookup hook knew it. */
  foundBy: 'identifier' | 'hook';
  /** `FIO_HIDDEN`: `Те** Us**`, never the whole name. */
  maskedName: string;
  currency: string;
  /** The customer's balance as the billing system last told it (negative = debt); null when unknown. */
  balanceMinor: bigint | null;
  /** The debt plus the configured top-up, never below the channel's minimum; null when the balance is unknown. */
  recommendedMinor: bigint | null;
  /** false: the billing system says the account may not be paid into (OSMP 79). */
  active: boolean;
  /** Where balance and status came from: the billing system's lookup hook, or values it pushed. */
  source: 'hook' | 'pushed';
}

/**
 * Nothing to pay into. `format`: what was typed is empty, too long, or the account expression
 * could not run on it (OSMP 4);
 * `not_found`: no customer has it, said the same way whichever identifiers exist (OSMP 5);
 * `unavailable`: the billing system could not be asked now (OSMP 243), so the payer may try later.
 */
export interface PayerNotIdentified {
  found: false;
  reason: 'format' | 'not_found' | 'unavailable';
}

export type PayerLookup = IdentifiedPayer | PayerNotIdentified;

/** Looks up what a payer typed on one channel. Never throws for a payer's input; journaling is the caller's. */
export type IdentifyPayer = (channel: IdentificationChannel, typed: string) => Promise<PayerLookup>;

/** How a match reads in a journal row: the kind that matched, or that only the lookup hook knew the payer. */
export function matchNote(payer: Pick<IdentifiedPayer, 'kind' | 'foundBy'>): string {
  return payer.foundBy === 'hook' ? `lookup hook, as ${payer.kind}` : payer.kind;
}
