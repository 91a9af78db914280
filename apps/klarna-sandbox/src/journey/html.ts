// HTML building blocks for the purchase-journey pages: escaping and the page shell. Every
// dynamic value goes through escapeHtml; the pages use no script and no external asset.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

/** Tagged template: interpolated values are escaped unless they are already-built Html. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | null | undefined | readonly Html[];

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    if (value instanceof Html) out += value.text;
    else if (Array.isArray(value)) out += (value as readonly Html[]).map((h) => h.text).join('');
    else if (value !== null && value !== undefined) out += escapeHtml(value);
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f1ee;color:#17120f;margin:0}
main{max-width:32rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0002}
.brand{font-weight:800;letter-spacing:-.02em;background:#ffb3c7;display:inline-block;padding:.2rem .6rem;border-radius:6px}
.sandbox{font-size:.75rem;color:#7a6f69;margin-left:.5rem}
h1{font-size:1.4rem;margin:1.2rem 0 .4rem}.amount{font-size:2rem;font-weight:700;margin:.2rem 0 1rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem;font-size:.9rem}dt{color:#7a6f69}dd{margin:0}
table{width:100%;border-collapse:collapse;font-size:.9rem;margin:.8rem 0}td,th{text-align:left;padding:.3rem 0;border-bottom:1px solid #eee}
td.num,th.num{text-align:right}.actions{display:flex;flex-direction:column;gap:.6rem;margin-top:1.5rem}
form{margin:0}button{width:100%;font-size:1rem;padding:.8rem;border-radius:8px;border:1px solid #17120f;cursor:pointer;background:#fff}
button.primary{background:#17120f;color:#fff}.note{font-size:.85rem;color:#7a6f69}a{color:#17120f}
`;

export function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <main>
          <div>
            <span class="brand">Klarna.</span><span class="sandbox">sandbox — not a real payment</span>
          </div>
          ${body}
        </main>
      </body>
    </html> `.text;
}
