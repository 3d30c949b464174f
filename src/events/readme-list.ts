import type { z } from '@hono/zod-openapi';
import { EVENT_CATALOG, EVENT_TYPES } from './catalog.js';

/** A payload's fields as the README lists them: `name?` when it may be absent, `name|null` when it may be null. */
function fieldsOf(payload: z.ZodObject): string {
  return Object.entries(payload.shape)
    .map(([name, schema]) => {
      const s = schema as z.ZodType;
      return `${name}${s.safeParse(undefined).success ? '?' : ''}${s.safeParse(null).success ? '\\|null' : ''}`;
    })
    .join(', ');
}

/**
 * The README's list of event types, rendered from the catalog: test/unit/event-catalog.test.ts
 * fails while the README's copy differs, and prints this to paste.
 */
export function eventListMarkdown(): string {
  const rows = EVENT_TYPES.map((t) => {
    const spec = EVENT_CATALOG[t];
    return `| \`${t}\` | ${spec.aggregates.join(', ')} | ${spec.when} | ${fieldsOf(spec.payload)} |`;
  });
  return ['| type | aggregate | sent when | payload fields |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
