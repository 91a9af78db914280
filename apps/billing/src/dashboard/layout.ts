// Every dashboard page's frame: navigation, the operator and their role, the sign-out form (with
// its CSRF token), the flash message. No script anywhere: plain links and forms.
import type { FastifyReply } from 'fastify';
import type { Flash } from './flash.js';
import { html, type Html, type HtmlValue } from './html.js';
import type { DashboardSession } from './session.js';

const NAV: readonly [string, string][] = [
  ['/dashboard', 'Overview'],
  ['/dashboard/past-due', 'Past due'],
  ['/dashboard/renewals', 'Upcoming renewals'],
  ['/dashboard/charges', 'Charges'],
  ['/dashboard/recovery', 'Recovery'],
  ['/dashboard/held', 'Held & uncaptured'],
  ['/dashboard/subscriptions', 'Timeline'],
  ['/dashboard/webhook-deliveries', 'Failed webhooks'],
  ['/dashboard/queues', 'Queues'],
];

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f8}
header{background:#17120f;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#ffd6e8;text-decoration:none}header a:hover{text-decoration:underline}
header .who{margin-left:auto;font-size:12px;opacity:.85}
main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #e3e3e8;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#efeff4;font-weight:600}
.flash{padding:.6rem .8rem;border-radius:4px;margin-bottom:1rem}
.flash.ok{background:#e3f6e8;border:1px solid #7cc48f}.flash.error{background:#fde8e8;border:1px solid #e08c8c}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;padding:.8rem 1rem;border:1px solid #e3e3e8;border-radius:6px;min-width:160px}
.card b{display:block;font-size:24px}
form.inline{display:inline-flex;gap:.3rem;align-items:center;margin:.15rem 0}
button{cursor:pointer}code{font-size:12px}.muted{color:#77777f}
`;

export interface PageInput {
  readonly title: string;
  readonly session: DashboardSession;
  readonly flash: Flash | null;
  readonly body: HtmlValue;
}

export function page(input: PageInput): Html {
  const { session } = input;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${input.title} · Rebill operators</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <strong>Rebill</strong>${NAV.map(([href, label]) => html`<a href="${href}">${label}</a>`)}
          <span class="who">${session.operator.email} (${session.operator.role.toLowerCase()})</span>
          <form class="inline" method="post" action="/dashboard/logout">
            <input type="hidden" name="_csrf" value="${session.csrfToken}" /><button>Sign out</button>
          </form>
        </header>
        <main>
          <h1>${input.title}</h1>
          ${input.flash === null ? null : html`<div class="flash ${input.flash.kind}" role="status">${input.flash.text}</div>`}
          ${input.body}
        </main>
      </body>
    </html>`;
}

/** A bare page (sign-in, errors) without navigation. */
export function barePage(title: string, body: HtmlValue): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title} · Rebill operators</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** No script runs on these pages; styles are inline; forms post only to the dashboard itself. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body.text);
}

/** A CSRF token field for a form of this session. */
export const csrfField = (session: DashboardSession): Html =>
  html`<input type="hidden" name="_csrf" value="${session.csrfToken}" />`;
