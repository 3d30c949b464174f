import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../cli/provision/paths.js';
import type { NotificationLocale, NotificationType } from './types.js';

/**
 * E-mail templates are files: templates/email/<type>/<locale>.subject, <locale>.txt and
 * <locale>.html. A deployment replaces any of them by putting a file at the same place under
 * EMAIL_TEMPLATES_DIR; what it does not replace comes from the built-in set.
 *
 * The template language is two forms only:
 *   {{name}}   the value, HTML-escaped in the .html part (as-is in .subject and .txt; a subject
 *              loses its line breaks so no value can add a header)
 *   {{{name}}} the value as-is in every part — only for fragments the code builds and escapes
 *              itself (the daily summary's tables)
 * A name may be a path (payment.amount). A name the data lacks is an error: an e-mail never goes
 * out with a hole in it.
 */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export const BUILTIN_TEMPLATES_DIR = join(projectRoot(), 'templates', 'email');

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const PART_EXT = { subject: 'subject', text: 'txt', html: 'html' } as const;
type Part = keyof typeof PART_EXT;

async function templateFile(type: NotificationType, locale: NotificationLocale, part: Part, overrideDir: string | undefined): Promise<string> {
  const rel = join(type, `${locale}.${PART_EXT[part]}`);
  if (overrideDir) {
    const replaced = await readFile(join(overrideDir, rel), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (replaced !== undefined) return replaced;
  }
  return readFile(join(BUILTIN_TEMPLATES_DIR, rel), 'utf8').catch(() => {
    throw new TemplateError(`no template ${rel}`);
  });
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

function lookup(data: Record<string, unknown>, path: string, where: string): string {
  let v: unknown = data;
  for (const key of path.split('.')) {
    v = v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${where} uses {{${path}}}, which the data does not have`);
}

export function fill(template: string, data: Record<string, unknown>, part: Part, where: string): string {
  return template.replace(/\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g, (_m, raw: string | undefined, plain: string | undefined) => {
    if (raw) return lookup(data, raw, where);
    const value = lookup(data, plain ?? '', where);
    if (part === 'html') return escapeHtml(value);
    if (part === 'subject') return value.replace(/[\r\n]+/g, ' ');
    return value;
  });
}

export async function renderEmail(
  type: NotificationType,
  locale: NotificationLocale,
  data: Record<string, unknown>,
  overrideDir?: string,
): Promise<RenderedEmail> {
  const parts = await Promise.all((['subject', 'text', 'html'] as const).map(async (part) => {
    const where = `${type}/${locale}.${PART_EXT[part]}`;
    return fill(await templateFile(type, locale, part, overrideDir), data, part, where);
  }));
  const [subject = '', text = '', html = ''] = parts;
  return { subject: subject.trim().replace(/[\r\n]+/g, ' '), text, html };
}
