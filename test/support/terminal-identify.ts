import type pg from 'pg';
import type { IdentifyPayer } from '../../src/identification/types.js';

/**
 * A typed test double of IdentifyPayer until the identification branch (createIdentifyPayer) is
 * merged: it looks the typed account up for real in Postgres, by the customer's external_ref (the
 * `uid` kind only), after the channel's account expression. Names are masked as FIO_HIDDEN does;
 * balance and status are not known to it (null, active), except a customer whose name starts
 * "Inactive", who is not active (OSMP 79).
 */
export function testIdentifyPayer(pool: pg.Pool): IdentifyPayer {
  return async (channel, typed) => {
    let account = typed;
    if (channel.accountExpression !== null) {
      const m = new RegExp(channel.accountExpression, 'u').exec(typed);
      if (!m?.[1]) return { found: false, reason: 'format' };
      account = m[1];
    }
    if (!channel.kinds.includes('uid')) return { found: false, reason: 'not_found' };
    const res = await pool.query<{ id: string; name: string }>({ text: 'SELECT id, name FROM customers WHERE external_ref = $1', values: [account] });
    const row = res.rows[0];
    if (!row) return { found: false, reason: 'not_found' };
    return {
      found: true,
      customerId: row.id,
      kind: 'uid',
      maskedName: row.name.replace(/(?<=\p{L}{2})\p{L}/gu, '*'),
      currency: 'RUB',
      balanceMinor: null,
      recommendedMinor: null,
      active: !row.name.startsWith('Inactive'),
      source: 'pushed',
    };
  };
}
