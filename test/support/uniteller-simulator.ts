import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Uniteller simulator: a real HTTP server speaking the protocol of Uniteller's integration
 * manual ("Технический порядок взаимодействия с системой Uniteller") as far as Tollgate uses it —
 * the payment page (/pay/, signed parameters; Approve/Decline buttons stand in for the card form),
 * the notification it sends the shop (Order_ID, Status, Signature), the results request
 * (/results/, CSV in S_FIELDS order), recurring payments (/recurrent/, by parent order) and the
 * cancel-or-refund request (/unblock/ by OrderID, "Технический порядок. Интернет-эквайринг" v1.43
 * rev. 48, 4.5.2.3: its sha256 Signature over the parameters sent, whole orders only — 35 for a
 * part, 16 for an order cancelled already — unless the shop's acquirer takes parts
 * (`partialCancels`: each at most the balance, each listed by the results request asked with
 * PaymentsResults=3 as its own Refund line), and the CSV answer of 8.3.2.1). It checks every
 * signature with its own code, written from the manual's formulas (not Tollgate's), and keeps its
 * own books: `charges` is every order it took money for and `refunds` every cancellation it made,
 * so a test can see that nothing was charged or refunded twice. Uniteller refuses an order number
 * it has seen, as here.
 */
export interface SimShop {
  shopIdp: string;
  password: string;
  login: string;
  apiPassword: string;
  /**
   * The shop's acquirer is one of the few that take partial and repeated cancellations (4.5.1):
   * each cancels a part of the balance, at most the balance (5 beyond it). Unset: "all the
   * others" — whole orders, once (35 for a part).
   */
  partialCancels?: boolean;
}

export interface SimOrder {
  orderId: string;
  shopIdp: string;
  amount: string;
  status: 'new' | 'authorized' | 'not authorized' | 'paid' | 'canceled' | 'waiting';
  recurrentStart: boolean;
  parent?: string | undefined;
  billNumber: string;
  /** The Response_Code a declined order reports (AS100 when unset). */
  responseCode?: string | undefined;
  returnOk?: string | undefined;
  returnNo?: string | undefined;
  /** What is cancelled of it so far, in kopecks (a partial-cancel shop's books). */
  cancelledCents?: bigint;
}

export interface UnitellerSimulator {
  url: string;
  orders: Map<string, SimOrder>;
  /** Every order money was taken for, in order: the simulator's books. */
  charges: Array<{ orderId: string; amount: string; parent?: string | undefined }>;
  requests: Array<{ path: string; fields: Record<string, string> }>;
  notifications: Array<{ fields: Record<string, string>; status: number }>;
  /** Where notifications go (the shop's URL in Uniteller's cabinet); unset: none are sent. */
  notifyUrl: string | undefined;
  /** Approved payments send no notification (a callback that never comes). */
  dropNotifications: boolean;
  /** The next recurring request is booked, then its connection closed without an answer. */
  loseNextRecurrentAnswer: boolean;
  /** The next this many results requests about a recurring order list nothing (a fresh order not visible there yet). */
  hideNextRecurrentResults: number;
  /** Recurring amounts (Subtotal_P) the issuer declines. */
  declineAmounts: Set<string>;
  /** Recurring amounts (Subtotal_P) the issuer declines with this Response_Code (AS101 wrong card, AS104 expired, …). */
  declineCodes: Map<string, string>;
  /** Every cancellation (/unblock/) it made, in order: the books of money given back (billNumber: the refund's RRN). */
  refunds: Array<{ orderId: string; amount: string; billNumber?: string }>;
  /** The next /unblock/ request is carried out, then its connection closed without an answer. */
  loseNextUnblockAnswer: boolean;
  /** Refunds are not listed as lines by PaymentsResults=3 (as for SBP, "not supported"). */
  unlistedRefunds: boolean;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** Table 29's order of the parameters that take part in /unblock/'s Signature, when sent. */
const UNBLOCK_SIGNED = ['OrderID', 'Shop_ID', 'Subtotal_P', 'Format', 'Currency', 'RVRReason', 'Language', 'S_FIELDS'];
const upperMd5OfMd5s = (parts: Array<string | undefined>) => md5(parts.map((p) => md5(p ?? '')).join('&')).toUpperCase();
const cap = (s: string) => s.replace(/(^|\s)\w/g, (c) => c.toUpperCase()); // "not authorized" → "Not Authorized"
/** A point-decimal amount ("12.34") as whole kopecks, by string arithmetic. */
const cents = (a: string): bigint | undefined => {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(a);
  return m ? BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0')) : undefined;
};
const csv = (values: string[]) => values.map((v) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(';');

export async function startUnitellerSimulator(shops: SimShop[]): Promise<UnitellerSimulator> {
  const byId = new Map(shops.map((s) => [s.shopIdp, s]));
  let bills = 1000;
  const sim: UnitellerSimulator = {
    url: '',
    orders: new Map(),
    charges: [],
    requests: [],
    notifications: [],
    notifyUrl: undefined,
    dropNotifications: false,
    loseNextRecurrentAnswer: false,
    hideNextRecurrentResults: 0,
    declineAmounts: new Set(),
    declineCodes: new Map(),
    refunds: [],
    loseNextUnblockAnswer: false,
    unlistedRefunds: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const notify = async (order: SimOrder) => {
    const shop = byId.get(order.shopIdp);
    if (!sim.notifyUrl || sim.dropNotifications || !shop) return;
    const fields = { Order_ID: order.orderId, Status: order.status, Signature: md5(order.orderId + order.status + shop.password).toUpperCase() };
    const res = await fetch(sim.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    await res.text();
    sim.notifications.push({ fields, status: res.status });
  };
  const error = (code: string, message: string) => `${csv(['ErrorCode', 'ErrorMessage'])}\n${csv([code, message])}\n`;

  const handle = async (path: string, f: Record<string, string>, req: http.IncomingMessage, res: http.ServerResponse) => {
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => res.writeHead(status, { 'content-type': type }).end(body);
    if (path === '/pay/') {
      const shop = byId.get(f.Shop_IDP ?? '');
      if (!shop) return text(400, 'unknown Shop_IDP');
      const expected = upperMd5OfMd5s([f.Shop_IDP, f.Order_IDP, f.Subtotal_P, f.MeanType, f.EMoneyType, f.Lifetime, f.Customer_IDP, f.Card_IDP, f.IData, f.PT_Code, shop.password]);
      if (f.Signature !== expected) return text(400, 'Signature mismatch');
      const known = sim.orders.get(f.Order_IDP ?? '');
      if (known && known.status !== 'new' && known.status !== 'not authorized') return text(409, `order ${known.orderId} is ${known.status}`);
      const order: SimOrder = { orderId: f.Order_IDP ?? '', shopIdp: shop.shopIdp, amount: f.Subtotal_P ?? '', status: 'new', recurrentStart: f.IsRecurrentStart === '1', billNumber: String(bills++), returnOk: f.URL_RETURN_OK, returnNo: f.URL_RETURN_NO };
      sim.orders.set(order.orderId, order);
      const button = (verdict: string) => `<form method="post" action="/pay/decide"><input type="hidden" name="Order_IDP" value="${order.orderId}"><input type="hidden" name="verdict" value="${verdict}"><button>${verdict}</button></form>`;
      return text(200, `<!doctype html><title>Uniteller simulator</title><p>${order.amount} ${f.Currency ?? 'RUB'}</p>${button('approve')}${button('decline')}`, 'text/html; charset=utf-8');
    }
    if (path === '/pay/decide') {
      const order = sim.orders.get(f.Order_IDP ?? '');
      if (!order || order.status !== 'new') return text(409, 'no open order by that number');
      order.status = f.verdict === 'approve' ? 'authorized' : 'not authorized';
      if (order.status === 'authorized') {
        sim.charges.push({ orderId: order.orderId, amount: order.amount });
        await notify(order);
      }
      return res.writeHead(303, { location: (order.status === 'authorized' ? order.returnOk : order.returnNo) ?? '/' }).end();
    }
    if (path === '/results/') {
      const shop = byId.get(f.Shop_ID ?? '');
      if (!shop || f.Login !== shop.login || f.Password !== shop.apiPassword) return text(200, error('1', 'authentication failed'));
      const fields = (f.S_FIELDS ?? 'OrderNumber;Status').split(';');
      const found = [...sim.orders.values()].filter((o) => o.shopIdp === shop.shopIdp && o.orderId === f.ShopOrderNumber && o.status !== 'new');
      const hide = sim.hideNextRecurrentResults > 0 && found.some((o) => o.parent);
      if (hide) sim.hideNextRecurrentResults -= 1;
      const rows = hide ? [] : found;
      // ShowPartlyCanceled=1: a partly cancelled order says so (table 34, 8).
      const status = (o: SimOrder) => (f.ShowPartlyCanceled === '1' && o.status !== 'canceled' && (o.cancelledCents ?? 0n) > 0n ? 'Partly canceled' : cap(o.status));
      const value = (o: SimOrder, name: string) => ({ OrderNumber: o.orderId, Status: status(o), Total: o.amount, BillNumber: o.billNumber, Response_Code: o.status === 'not authorized' ? (o.responseCode ?? 'AS100') : 'AS000', Recommendation: '' })[name] ?? '';
      // PaymentsResults=3: each successful refund is a copy of the payment's line with its own
      // BillNumber (the refund's RRN), Total (its amount) and Status Refund (table 34, 7).
      const refundLines = (o: SimOrder) =>
        f.PaymentsResults === '3' && !sim.unlistedRefunds ? sim.refunds.filter((r) => r.orderId === o.orderId && r.billNumber).map((r) => csv(fields.map((n) => ({ BillNumber: r.billNumber ?? '', Total: r.amount, Status: 'Refund' })[n as 'Total'] ?? value(o, n)))) : [];
      return text(200, rows.flatMap((o) => [csv(fields.map((n) => value(o, n))), ...refundLines(o)]).map((l) => `${l}\n`).join(''));
    }
    if (path === '/recurrent/') {
      const shop = byId.get(f.Shop_IDP ?? '');
      if (!shop) return text(200, error('2', 'unknown Shop_IDP'));
      if (f.Signature !== upperMd5OfMd5s([f.Shop_IDP, f.Order_IDP, f.Subtotal_P, f.Parent_Order_IDP, shop.password])) return text(200, error('3', 'Signature mismatch'));
      if (sim.orders.has(f.Order_IDP ?? '')) return text(200, error('4', `order ${f.Order_IDP} exists already`));
      const parent = sim.orders.get(f.Parent_Order_IDP ?? '');
      if (!parent || parent.shopIdp !== shop.shopIdp || !parent.recurrentStart || (parent.status !== 'authorized' && parent.status !== 'paid')) return text(200, error('5', 'no such parent order'));
      const declineCode = sim.declineCodes.get(f.Subtotal_P ?? '') ?? (sim.declineAmounts.has(f.Subtotal_P ?? '') ? 'AS100' : undefined);
      const declined = declineCode !== undefined;
      const order: SimOrder = { orderId: f.Order_IDP ?? '', shopIdp: shop.shopIdp, amount: f.Subtotal_P ?? '', status: declined ? 'not authorized' : 'authorized', recurrentStart: false, parent: parent.orderId, billNumber: String(bills++), responseCode: declineCode };
      sim.orders.set(order.orderId, order);
      if (!declined) sim.charges.push({ orderId: order.orderId, amount: order.amount, parent: parent.orderId });
      if (sim.loseNextRecurrentAnswer) {
        sim.loseNextRecurrentAnswer = false;
        req.socket.destroy();
        return;
      }
      return text(200, `OrderNumber;Status;Total;BillNumber;Response_Code;Recommendation\n${csv([order.orderId, cap(order.status), order.amount, order.billNumber, declineCode ?? 'AS000', declined ? 'Call your bank' : ''])}\n`);
    }
    if (path === '/unblock/') {
      const shop = byId.get(f.Shop_ID ?? '');
      if (!shop) return text(200, error('1', 'Authentication error'));
      const signed = UNBLOCK_SIGNED.filter((name) => f[name] !== undefined).map((name) => sha256(f[name] ?? ''));
      if (f.Signature !== sha256([...signed, sha256(shop.password)].join('&')).toUpperCase()) return text(200, error('1', 'Authentication error'));
      if (!f.OrderID) return text(200, error('3', "Mandatory parameter 'OrderID' is not present in the request"));
      const order = sim.orders.get(f.OrderID);
      if (!order || order.shopIdp !== shop.shopIdp || order.status === 'new' || order.status === 'not authorized' || order.status === 'waiting') return text(200, error('4', 'Bill not found'));
      if (order.status === 'canceled') return text(200, error('16', 'The order has already been cancelled'));
      const paid = cents(order.amount) ?? 0n;
      const balance = paid - (order.cancelledCents ?? 0n);
      const asked = f.Subtotal_P === undefined ? balance : cents(f.Subtotal_P);
      // Table 30: Subtotal_P from 0.01 to the payment's amount — here to what is left of it.
      if (asked === undefined || asked <= 0n || asked > balance) return text(200, error('5', 'Field Subtotal_P has bad format'));
      // Unless the shop's acquirer takes parts, it is one of "all the others": whole orders, one cancellation (4.5.1).
      if (asked < paid && !shop.partialCancels) return text(200, error('35', 'Partial return is not supported'));
      order.cancelledCents = (order.cancelledCents ?? 0n) + asked;
      if (order.cancelledCents === paid) order.status = 'canceled';
      const amount = `${asked / 100n}.${String(asked % 100n).padStart(2, '0')}`;
      sim.refunds.push({ orderId: order.orderId, amount: shop.partialCancels ? amount : order.amount, ...(shop.partialCancels ? { billNumber: String(bills++) } : {}) });
      if (sim.loseNextUnblockAnswer) {
        sim.loseNextUnblockAnswer = false;
        req.socket.destroy();
        return;
      }
      const fields = (f.S_FIELDS || 'OrderNumber;Status;Total;BillNumber').split(';');
      // After a part, the card order is still paid for the rest (its Total stays the order's, 4.5.2.4).
      const value = (name: string) => ({ OrderNumber: order.orderId, Status: cap(order.status), Total: order.amount, BillNumber: order.billNumber, Response_Code: 'AS000', Recommendation: '' })[name] ?? '';
      return text(200, `${csv(fields)}\n${csv(fields.map(value))}\n`);
    }
    return text(404, 'not a Uniteller endpoint');
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://sim');
      const fields = Object.fromEntries(req.method === 'GET' ? u.searchParams : new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      sim.requests.push({ path: u.pathname, fields });
      handle(u.pathname, fields, req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sim;
}
