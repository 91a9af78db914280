// The dashboard's cookies: HttpOnly, SameSite=Lax (a cross-site POST carries none of them), scoped
// to /dashboard, Secure when configured for https.
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { DashboardOptions } from './deps.js';

export const SESSION_COOKIE = 'rebill_dashboard_session';
export const LOGIN_CSRF_COOKIE = 'rebill_dashboard_login';
export const FLASH_COOKIE = 'rebill_dashboard_flash';

export function cookieOptions(options: DashboardOptions, maxAgeSeconds?: number): CookieSerializeOptions {
  return {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secureCookies,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}
