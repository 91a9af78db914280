// Flash messages: an action's outcome, shown once on the page it redirects to (post/redirect/get).
// Carried in a short-lived cookie; its text is escaped like everything else when rendered.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOptions, FLASH_COOKIE } from './cookies.js';
import type { DashboardOptions } from './deps.js';

export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

export function setFlash(reply: FastifyReply, options: DashboardOptions, flash: Flash): void {
  const value = Buffer.from(JSON.stringify(flash), 'utf8').toString('base64url');
  reply.setCookie(FLASH_COOKIE, value, cookieOptions(options, 60));
}

/** The pending flash, cleared as it is read. */
export function takeFlash(
  request: FastifyRequest,
  reply: FastifyReply,
  options: DashboardOptions,
): Flash | null {
  const value = request.cookies[FLASH_COOKIE];
  if (value === undefined) return null;
  reply.clearCookie(FLASH_COOKIE, cookieOptions(options));
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text.slice(0, 500) };
    }
  } catch {
    // A mangled cookie is no message.
  }
  return null;
}

/** Flash, then 303 to `location`: the browser GETs the page that shows the outcome. */
export function redirectWithFlash(
  reply: FastifyReply,
  options: DashboardOptions,
  location: string,
  flash: Flash,
): FastifyReply {
  setFlash(reply, options, flash);
  return reply.redirect(location, 303);
}
