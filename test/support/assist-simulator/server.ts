import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { amountOfCents, cents, SimBooks, simCheckvalue, type SimMerchant, type SimOrder } from './books.js';

/**
 * A simulator of Assist's protocol as its documentation describes it, a real HTTP server:
 *   GET|POST /pay/order.cfm          the hosted form: checks Merchant_ID and Checkvalue, opens an
 *                                    order "In Process" and shows Approve/Decline buttons
 *   POST /sim/pay                    the payer's choice: the order is decided, the notification is
 *                                    posted to the merchant's Result URL, the payer sent back
 *   POST /orderstate/orderstate.cfm  the order state web service (Format=3 XML, with checkvalue)
 *   POST /recurrent/rp.cfm           a recurring payment by the first payment's BillNumber
 *   POST /cancel/cancel.cfm          a cancellation or refund by Billnumber, whole or (Amount with
 *                                    Currency) partial, several per order up to what was paid; the
 *                                    order turns PartialCanceled or Canceled ("Cancel", pageId=19071203)
 * Its error codes (firstcode/secondcode) are its own; only "0/0 is no error" is Assist's.
 * Knobs: `dropAnswers` (handle a web-service call, then close the connection unanswered),
 * `silent` (order numbers whose notification is never sent), `declineCodes`, `uniqueOrderNumbers`,
 * `hideNextOrderStates` (that many order state answers about a recurring order show none yet: Assist's lag).
 */
export interface AssistSimulator {
  url: string;
  books: SimBooks;
  dropAnswers: Set<'rp' | 'orderstate' | 'cancel'>;
  silent: Set<string>;
  /** Recurring amounts ('41.04') rp.cfm declines, with the response code it declines them with ('AS104'). */
  declineCodes: Map<string, string>;
  /** Assist's "unique order numbers" merchant setting (on by default); off, a repeated rp.cfm is a second charge. */
  uniqueOrderNumbers: boolean;
  /** The next this many orderstate.cfm answers about a recurring order list no orders (a fresh order not visible there yet). */
  hideNextOrderStates: number;
  /** Every notification sent: the merchant's answer status and body. */
  notifications: Array<{ orderNumber: string; state: string; status: number; body: string }>;
  /** A notification as Assist would send it for an order, signed with `salt` (a test may forge one). */
  notificationFields(order: SimOrder, merchant: SimMerchant, salt?: string): Record<string, string>;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
const xmlFields = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
const errorXml = (first: number, second: number) => `<?xml version="1.0" encoding="UTF-8"?><result firstcode="${first}" secondcode="${second}"/>`;

async function readForm(req: http.IncomingMessage, url: URL): Promise<Record<string, string>> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const out: Record<string, string> = {};
  for (const [k, v] of [...url.searchParams, ...new URLSearchParams(body)]) out[k.toLowerCase()] ??= v;
  return out;
}

export async function startAssistSimulator(merchants: SimMerchant[]): Promise<AssistSimulator> {
  const books = new SimBooks(merchants);
  const sim: Omit<AssistSimulator, 'url' | 'close'> = {
    books,
    dropAnswers: new Set(),
    silent: new Set(),
    declineCodes: new Map(),
    uniqueOrderNumbers: true,
    hideNextOrderStates: 0,
    notifications: [],
    notificationFields(order, merchant, salt = merchant.salt) {
      return {
        merchant_id: merchant.merchantId, ordernumber: order.orderNumber, billnumber: order.billnumber, testmode: merchant.testmode ? '1' : '0',
        orderamount: order.amount, ordercurrency: order.currency, amount: order.amount, currency: order.currency, orderstate: order.state,
        responsecode: order.responsecode, message: order.message, packetdate: new Date().toUTCString(), cardexpirationdate: '12/29',
        checkvalue: simCheckvalue(salt, [merchant.merchantId, order.orderNumber, order.amount, order.currency, order.state]),
      };
    },
  };

  async function notify(order: SimOrder): Promise<void> {
    const merchant = books.merchant(order.merchantId);
    if (!merchant?.notifyUrl || sim.silent.has(order.orderNumber)) return;
    const res = await fetch(merchant.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(sim.notificationFields(order, merchant)).toString() });
    sim.notifications.push({ orderNumber: order.orderNumber, state: order.state, status: res.status, body: await res.text() });
  }

  function orderForm(f: Record<string, string>): { status: number; html: string } {
    const m = books.merchant(f.merchant_id);
    if (!m) return { status: 400, html: 'Unknown Merchant_ID' };
    const amount = f.orderamount ?? '';
    if (cents(amount) === undefined || !f.ordernumber || !f.ordercurrency) return { status: 400, html: 'Bad order parameters' };
    if ((f.checkvalue ?? '').toUpperCase() !== simCheckvalue(m.salt, [m.merchantId, f.ordernumber, amount, f.ordercurrency])) return { status: 400, html: 'Checkvalue is wrong' };
    if (books.byOrderNumber(m.merchantId, f.ordernumber).some((o) => o.state === 'Approved')) return { status: 400, html: 'The order is paid already' };
    const recurring = f.recurringindicator === '1' ? { min: f.recurringminamount ?? '', max: f.recurringmaxamount ?? '', period: f.recurringperiod ?? '', maxDate: f.recurringmaxdate ?? '' } : undefined;
    const order: SimOrder = { merchantId: m.merchantId, orderNumber: f.ordernumber, billnumber: books.newBill(), amount, currency: f.ordercurrency, state: 'In Process', responsecode: '', message: '', returnOk: f.url_return_ok, returnNo: f.url_return_no, recurring };
    books.orders.push(order);
    const button = (d: string) => `<form method="post" action="/sim/pay"><input type="hidden" name="billnumber" value="${order.billnumber}"><button name="decision" value="${d}">${d}</button></form>`;
    return { status: 200, html: `<!doctype html><title>Assist</title><p data-billnumber="${order.billnumber}">Pay ${amount} ${xmlEscape(order.currency)}</p>${button('approve')}${button('decline')}` };
  }

  function orderState(f: Record<string, string>): string {
    const m = books.authenticated(f);
    if (!m) return errorXml(5, 1);
    const start = Date.UTC(Number(f.startyear), Number(f.startmonth) - 1, Number(f.startday));
    if (!Number.isFinite(start)) return errorXml(5, 2);
    const found = books.byOrderNumber(m.merchantId, f.ordernumber ?? '').filter((o) => (o.createdAt?.getTime() ?? Date.now()) >= start);
    const hide = sim.hideNextOrderStates > 0 && found.some((o) => o.parentBill);
    if (hide) sim.hideNextOrderStates -= 1;
    const orders = (hide ? [] : found).map((o) => `<order>${xmlFields({
      ordernumber: o.orderNumber, billnumber: o.billnumber, orderamount: o.amount, ordercurrency: o.currency, orderstate: o.state, responsecode: o.responsecode, message: o.message,
      checkvalue: simCheckvalue(m.salt, [m.merchantId, o.orderNumber, o.amount, o.currency, o.state]),
    })}</order>`);
    return `<?xml version="1.0" encoding="UTF-8"?><result firstcode="0" secondcode="0" count="${orders.length}">${orders.join('')}</result>`;
  }

  function cancel(f: Record<string, string>): string {
    const m = books.authenticated(f);
    if (!m) return errorXml(5, 1);
    const order = books.byBill(f.billnumber ?? '');
    if (!order || order.merchantId !== m.merchantId) return errorXml(10, 2);
    // "The parameters Amount and Currency can be available or missing in the request only simultaneously."
    if ((f.amount === undefined) !== (f.currency === undefined)) return errorXml(5, 3);
    if (f.currency !== undefined && f.currency !== order.currency) return errorXml(5, 4);
    if (order.state !== 'Approved' && order.state !== 'PartialCanceled') return errorXml(11, 1);
    const left = (cents(order.amount) ?? 0n) - (order.canceledCents ?? 0n);
    const asked = f.amount === undefined ? left : cents(f.amount);
    if (asked === undefined || asked <= 0n || asked > left) return errorXml(5, 5);
    order.canceledCents = (order.canceledCents ?? 0n) + asked;
    order.state = asked === left ? 'Canceled' : 'PartialCanceled';
    const operationBill = `${order.billnumber}.${books.cancels.filter((c) => c.billnumber === order.billnumber).length + 2}`;
    books.cancels.push({ billnumber: order.billnumber, orderNumber: order.orderNumber, amount: amountOfCents(asked), operationBill });
    return `<?xml version="1.0" encoding="UTF-8"?><result firstcode="0" secondcode="0" count="1"><orders><order>${xmlFields({
      billnumber: order.billnumber, ordernumber: order.orderNumber, orderamount: order.amount, ordercurrency: order.currency, orderstate: order.state,
    })}<operation>${xmlFields({
      billnumber: operationBill, operationtype: '300', operationstate: 'Success', amount: amountOfCents(asked), currency: order.currency, responsecode: 'AS000', message: '', customermessage: 'Success',
    })}</operation></order></orders></result>`;
  }

  function recurrent(f: Record<string, string>): { xml: string; order?: SimOrder } {
    const m = books.authenticated(f);
    if (!m) return { xml: errorXml(5, 1) };
    const parent = books.byBill(f.billnumber ?? '');
    if (!parent || parent.merchantId !== m.merchantId || parent.state !== 'Approved' || !parent.recurring) return { xml: errorXml(10, 2) };
    const amount = cents(f.amount ?? '');
    if (amount === undefined || f.currency !== parent.currency) return { xml: errorXml(5, 3) };
    if (amount < (cents(parent.recurring.min) ?? 0n) || amount > (cents(parent.recurring.max) ?? 0n)) return { xml: errorXml(5, 4) };
    if (!f.ordernumber || (sim.uniqueOrderNumbers && books.byOrderNumber(m.merchantId, f.ordernumber).length > 0)) return { xml: errorXml(7, 5) };
    const declined = sim.declineCodes.get(f.amount ?? '');
    const order: SimOrder = {
      merchantId: m.merchantId, orderNumber: f.ordernumber, billnumber: books.newBill(), amount: f.amount ?? '', currency: parent.currency, parentBill: parent.billnumber,
      state: declined ? 'Declined' : 'Approved', responsecode: declined ?? 'AS000', message: declined ? 'Declined by the issuer' : 'Approved',
    };
    books.orders.push(order);
    const xml = `<?xml version="1.0" encoding="UTF-8"?><result firstcode="0" secondcode="0"><orders><order>${xmlFields({
      ordernumber: order.orderNumber, billnumber: order.billnumber, orderstate: order.state, amount: order.amount, currency: order.currency, responsecode: order.responsecode, message: order.message,
    })}</order></orders></result>`;
    return { xml, order };
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const f = await readForm(req, url);
      const xml = (body: string) => res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
      if (url.pathname === '/pay/order.cfm') {
        const r = orderForm(f);
        res.writeHead(r.status, { 'content-type': 'text/html; charset=utf-8' }).end(r.html);
      } else if (url.pathname === '/sim/pay' && req.method === 'POST') {
        const order = books.byBill(f.billnumber ?? '');
        if (!order || order.state !== 'In Process') return void res.writeHead(404).end('no such open order');
        const approve = f.decision === 'approve';
        Object.assign(order, approve ? { state: 'Approved', responsecode: 'AS000', message: 'Approved' } : { state: 'Declined', responsecode: 'AS100', message: 'Declined by the issuer' });
        await notify(order);
        res.writeHead(303, { location: (approve ? order.returnOk : order.returnNo) ?? '/' }).end();
      } else if (url.pathname === '/orderstate/orderstate.cfm' && req.method === 'POST') {
        const body = orderState(f);
        if (sim.dropAnswers.delete('orderstate')) return void req.socket.destroy();
        xml(body);
      } else if (url.pathname === '/cancel/cancel.cfm' && req.method === 'POST') {
        const body = cancel(f);
        if (sim.dropAnswers.delete('cancel')) return void req.socket.destroy();
        xml(body);
      } else if (url.pathname === '/recurrent/rp.cfm' && req.method === 'POST') {
        const r = recurrent(f);
        if (sim.dropAnswers.delete('rp')) req.socket.destroy();
        else xml(r.xml);
        if (r.order) await notify(r.order);
      } else res.writeHead(404).end();
    })().catch(() => res.headersSent || res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The same object, not a copy: a test's knob (uniqueOrderNumbers, hideNextOrderStates) must reach the handlers.
  return Object.assign(sim, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
