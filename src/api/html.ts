/** Minimal server-rendered HTML: escaped text and one accessible page frame, no JavaScript needed. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Tagged template that escapes every interpolated value unless it is already SafeHtml. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (v === null || v === undefined) return '';
  return escapeHtml(typeof v === 'string' ? v : JSON.stringify(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map(render).join('') : render(v);
    out += part + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export function page(title: string, body: SafeHtml, opts: { refreshSeconds?: number } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${title}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
  .card { border: 1px solid #ccc; border-radius: 8px; padding: 1.5rem; }
  .amount { font-size: 2rem; font-weight: 600; margin: .5rem 0; }
  button { font: inherit; padding: .6rem 1.2rem; border-radius: 6px; border: 1px solid #555; cursor: pointer; margin-right: .5rem; }
  button.primary { background: #0b5cad; color: #fff; border-color: #0b5cad; }
  .note { color: #555; font-size: .9rem; }
  :focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  input[type=text] { font: inherit; padding: .4rem; border: 2px solid #555; border-radius: 4px; }
  .error { color: #b00020; font-weight: 600; }
  input[aria-invalid=true] { border-color: #b00020; }
  .error-summary { border: 3px solid #b00020; border-radius: 8px; padding: 0 1rem; margin-bottom: 1rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  th { text-align: left; padding-right: 1rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`.value;
}
