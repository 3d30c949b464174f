import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A payment_received template of the tests' own (EMAIL_TEMPLATES_DIR), filled from
 * `{ customer_name, amount }`: the sending tests do not depend on the built-in wording or fields.
 */
export const TEST_TEMPLATE_DATA = { customer_name: 'Jan', amount: '18.15 PLN' };
export const TEST_TEMPLATE_SUBJECT = 'Payment received: 18.15 PLN';

export function testTemplatesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-templates-'));
  mkdirSync(join(dir, 'payment_received'), { recursive: true });
  writeFileSync(join(dir, 'payment_received', 'en.subject'), 'Payment received: {{amount}}\n');
  writeFileSync(join(dir, 'payment_received', 'en.txt'), 'Hello {{customer_name}}, we received {{amount}}.\n');
  writeFileSync(join(dir, 'payment_received', 'en.html'), '<p>Hello {{customer_name}}, we received {{amount}}.</p>\n');
  return dir;
}
