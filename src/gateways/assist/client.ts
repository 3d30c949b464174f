import { XMLParser } from 'fast-xml-parser';
import { type OutboundAllowlist, parseOutboundAllowlist } from '../../outbound/addresses.js';
import { type OutboundFailure, safeRequest } from '../../outbound/safe-request.js';
import type { AssistAccount } from '../settings.js';

/**
 * Assist's web services (orderstate.cfm, rp.cfm) take an HTTP POST of key=value pairs with the
 * account's Merchant_ID, Login and Password, and answer in the format asked for: Format=3 is XML
 * (the services' "Format" parameter: 1 CSV, 2 WDDX, 3 XML, 4 SOAP). The root is <result> with
 * firstcode/secondcode attributes (0/0: no error) and the orders inside.
 */
export const ASSIST_XML_FORMAT = '3';

export type AssistOrderXml = Record<string, string | undefined>;

export type AssistAnswer =
  /** operations[i]: the <operation> sections of orders[i] (cancel.cfm's answer names its cancel operation there). */
  | { ok: true; firstcode: string; secondcode: string; orders: AssistOrderXml[]; operations: AssistOrderXml[][] }
  /** sent: the request may have reached Assist (a timeout, a dropped connection, a 5xx). */
  | { ok: false; sent: boolean; detail: string };

export interface AssistClient {
  post(account: AssistAccount, path: string, fields: Record<string, string>): Promise<AssistAnswer>;
}

const NOT_SENT: ReadonlySet<OutboundFailure> = new Set(['bad_url', 'private_address']);

/**
 * Calls go through safeRequest (no redirects, a capped answer, a timeout). Assist's servers are
 * public; a development api_bases host (a simulator on 127.0.0.1) is allowed by being configured.
 */
export function createAssistClient(o: { allow: OutboundAllowlist; timeoutMs: number; maxResponseBytes: number }): AssistClient {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, parseAttributeValue: false, isArray: (name) => name === 'order' || name === 'operation' });
  return {
    async post(account, path, fields) {
      const host = new URL(account.base).hostname.replace(/^\[(.*)\]$/, '$1');
      const own = parseOutboundAllowlist(host);
      const allow = { hosts: new Set([...o.allow.hosts, ...own.hosts]), nets: [...o.allow.nets, ...own.nets] };
      const body = new URLSearchParams({ Merchant_ID: account.merchantId, Login: account.login, Password: account.password, Format: ASSIST_XML_FORMAT, ...fields }).toString();
      const res = await safeRequest(
        `${account.base}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/xml, text/xml' }, body, timeoutMs: o.timeoutMs, maxResponseBytes: o.maxResponseBytes },
        { allow },
      );
      if (!res.ok) return { ok: false, sent: !NOT_SENT.has(res.failure), detail: `assist ${path}: ${res.failure}${res.status ? ` (HTTP ${res.status})` : ''}` };
      return readAnswer(parser, res.body.toString('utf8'), path);
    },
  };
}

function readAnswer(parser: XMLParser, text: string, path: string): AssistAnswer {
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch {
    return { ok: false, sent: true, detail: `assist ${path}: the answer is not XML` };
  }
  const result = (doc as { result?: unknown } | undefined)?.result;
  if (typeof result !== 'object' || result === null) return { ok: false, sent: true, detail: `assist ${path}: the answer has no <result>` };
  const r = result as Record<string, unknown>;
  const nested = (r.orders as Record<string, unknown> | undefined)?.order;
  const list: unknown[] = [r.order, nested].flatMap((x: unknown) => (Array.isArray(x) ? (x as unknown[]) : []));
  const objects = list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
  const orders = objects.map(flat);
  const operations = objects.map((o) => {
    const ops: unknown = o.operation;
    return Array.isArray(ops) ? ops.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null).map(flat) : [];
  });
  const attr = (v: unknown) => (typeof v === 'string' ? v : '');
  return { ok: true, firstcode: attr(r['@_firstcode']), secondcode: attr(r['@_secondcode']), orders, operations };
}

/** An <order>'s text fields, names lower-cased (Assist's are); nested sections (operations) are left out. */
function flat(o: Record<string, unknown>): AssistOrderXml {
  const out: AssistOrderXml = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
