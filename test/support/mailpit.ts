import { testEnv } from './env.js';
import { waitFor } from './stack.js';

/** A message as Mailpit's search lists it (GET /api/v1/search). */
export interface MailpitSummary {
  ID: string;
  MessageID: string;
  From: { Name: string; Address: string };
  To: Array<{ Name: string; Address: string }>;
  Subject: string;
}

/** One message with its parts (GET /api/v1/message/{ID}). */
export interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}

async function api<T>(path: string, base = testEnv.mailpitUrl()): Promise<T> {
  const res = await fetch(`${base}/api/v1/${path}`);
  if (!res.ok) throw new Error(`Mailpit ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What arrived for `address` (each test uses a recipient of its own, so the run's other mail never shows). */
export async function messagesTo(address: string, base?: string): Promise<MailpitSummary[]> {
  const found = await api<{ messages: MailpitSummary[] }>(`search?query=${encodeURIComponent(`to:"${address}"`)}&limit=50`, base);
  return found.messages;
}

export const readMessage = (id: string, base?: string): Promise<MailpitMessage> => api<MailpitMessage>(`message/${encodeURIComponent(id)}`, base);

/** Waits until `count` messages reached `address`, then returns them with their parts. */
export async function waitForMessages(address: string, count: number, o: { base?: string; timeoutMs?: number } = {}): Promise<MailpitMessage[]> {
  const list = await waitFor(`${count} e-mail(s) to ${address} in Mailpit`, async () => {
    const m = await messagesTo(address, o.base);
    return m.length >= count ? m : undefined;
  }, o.timeoutMs ?? 30_000);
  return Promise.all(list.map((m) => readMessage(m.ID, o.base)));
}
