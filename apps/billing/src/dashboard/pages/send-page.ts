// A dashboard page for the signed-in operator, with the flash left by their last action.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardOptions } from '../deps.js';
import { takeFlash } from '../flash.js';
import type { HtmlValue } from '../html.js';
import { page, sendHtml } from '../layout.js';
import { sessionOf } from '../session.js';

export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  options: DashboardOptions,
  title: string,
  body: HtmlValue,
  status = 200,
): FastifyReply {
  const session = sessionOf(request);
  return sendHtml(reply, page({ title, session, flash: takeFlash(request, reply, options), body }), status);
}
