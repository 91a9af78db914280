// How an action answers: done or refused, a 303 back to the page it came from with a flash that
// says so (the reason when refused); bad input, a 400 naming the field; an unknown id, a 404.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardOptions } from '../deps.js';
import { redirectWithFlash, type Flash } from '../flash.js';
import { formOf } from '../forms.js';
import { html } from '../html.js';
import { barePage, sendHtml } from '../layout.js';
import { safeNext } from '../login.js';

/** The page to go back to: the form's `back` field when it is a dashboard page, else `fallback`. */
function backTo(request: FastifyRequest, fallback: string): string {
  const back = formOf(request)['back'];
  return back === undefined ? fallback : safeNext(back);
}

/** 303 back to the page the action came from, with a flash saying it was done or why not. */
export function answerAction(
  request: FastifyRequest,
  reply: FastifyReply,
  options: DashboardOptions,
  fallback: string,
  flash: Flash,
): FastifyReply {
  return redirectWithFlash(reply, options, backTo(request, fallback), flash);
}

export const done = (text: string): Flash => ({ kind: 'ok', text });
export const refused = (text: string): Flash => ({ kind: 'error', text });

export function invalidField(reply: FastifyReply, field: string, message: string): FastifyReply {
  return sendHtml(
    reply,
    barePage(
      'Invalid input',
      html`<p><code>${field}</code>: ${message}</p>
        <p>Nothing was changed. Go back and correct the form.</p>`,
    ),
    400,
  );
}

export function notFound(reply: FastifyReply, what: string): FastifyReply {
  return sendHtml(
    reply,
    barePage(
      'Not found',
      html`<p>No such ${what}.</p>
        <p><a href="/dashboard">Back to the dashboard</a></p>`,
    ),
    404,
  );
}

/** The route's `:id`. */
export const idParam = (request: FastifyRequest): string => (request.params as { id: string }).id;
