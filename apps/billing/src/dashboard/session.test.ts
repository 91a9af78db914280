import { describe, expect } from 'vitest';
import { sessionIdHash } from '../operators/session-secrets.js';
import { dashboardTest as test, OPERATOR_PASSWORD } from './testing/dashboard-test.js';
import { cookieValue, loginForm, postForm, signIn } from './testing/sign-in.js';

const HTML = { accept: 'text/html' };

describe('dashboard sign-in and sessions', () => {
  test('a page without a session redirects to sign-in; a script gets 401', async ({ dashboardApp: app }) => {
    const page = await app.inject({ method: 'GET', url: '/dashboard/past-due?x=1', headers: HTML });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/dashboard/login?next=%2Fdashboard%2Fpast-due%3Fx%3D1');
    expect((await app.inject({ method: 'GET', url: '/dashboard' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/dashboard/queues/api/queues' })).statusCode).toBe(401);
  });

  test('signs in with an HttpOnly SameSite=Lax cookie whose value is stored only as a hash', async ({
    dashboardApp: app,
    prisma,
    admin,
  }) => {
    const form = await loginForm(app);
    const res = await postForm(
      app,
      '/dashboard/login',
      {
        _csrf: form.token,
        email: admin.email.toUpperCase(),
        password: OPERATOR_PASSWORD,
        next: '/dashboard/held',
      },
      form.cookie,
    );

    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard/held');
    const cookie = res.cookies.find((c) => c.name === 'rebill_dashboard_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/dashboard' });
    expect(cookie?.secure).toBeUndefined();
    const rows = await prisma.operatorSession.findMany({ where: { operatorId: admin.id } });
    expect(rows.map((r) => Buffer.from(r.idHash).equals(sessionIdHash(cookie?.value ?? '')))).toEqual([true]);
    const audit = await prisma.auditEvent.findMany({
      where: { entityId: admin.id, action: 'operator.signed_in' },
    });
    expect(audit.map((a) => [a.actorKind, a.actorId])).toEqual([['OPERATOR', admin.id]]);
    const page = await app.inject({
      method: 'GET',
      url: '/dashboard',
      headers: { ...HTML, cookie: `rebill_dashboard_session=${cookie?.value}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain(admin.email);
  });

  test('an unknown email, a wrong password and a disabled operator get the same answer', async ({
    dashboardApp: app,
    prisma,
    viewer,
  }) => {
    const attempt = async (email: string, password: string) => {
      const form = await loginForm(app);
      const res = await postForm(
        app,
        '/dashboard/login',
        { _csrf: form.token, email, password },
        form.cookie,
      );
      return {
        status: res.statusCode,
        message: /role="alert">([^<]*)</.exec(res.body)?.[1],
        session: cookieValue(res, 'rebill_dashboard_session'),
      };
    };
    const wrong = await attempt(viewer.email, `${OPERATOR_PASSWORD}x`);
    const unknown = await attempt('nobody@ops.example', OPERATOR_PASSWORD);
    await prisma.operator.update({ where: { id: viewer.id }, data: { disabledAt: new Date() } });
    const disabled = await attempt(viewer.email, OPERATOR_PASSWORD);

    expect(wrong).toEqual({ status: 401, message: 'Email or password is wrong.', session: undefined });
    expect(unknown).toEqual(wrong);
    expect(disabled).toEqual(wrong);
  });

  test('sign-in without its form token is 403; an off-site next is ignored', async ({
    dashboardApp: app,
    admin,
  }) => {
    const form = await loginForm(app);
    const noToken = await postForm(
      app,
      '/dashboard/login',
      { email: admin.email, password: OPERATOR_PASSWORD },
      form.cookie,
    );
    expect(noToken.statusCode).toBe(403);
    const noCookie = await postForm(
      app,
      '/dashboard/login',
      { _csrf: form.token, email: admin.email, password: OPERATOR_PASSWORD },
      '',
    );
    expect(noCookie.statusCode).toBe(403);
    const offSite = await postForm(
      app,
      '/dashboard/login',
      {
        _csrf: form.token,
        email: admin.email,
        password: OPERATOR_PASSWORD,
        next: '//evil.example/dashboard',
      },
      form.cookie,
    );
    expect(offSite.headers.location).toBe('/dashboard');
  });

  test('ten failed sign-ins from one address make it wait, even with the right password', async ({
    dashboardApp: app,
    admin,
  }) => {
    const remoteAddress = '10.9.8.7';
    const attempt = async (password: string) => {
      const form = await loginForm(app);
      return app.inject({
        method: 'POST',
        url: '/dashboard/login',
        remoteAddress,
        headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: form.token, email: admin.email, password }).toString(),
      });
    };
    for (let i = 0; i < 10; i += 1) expect((await attempt('wrong password!')).statusCode).toBe(401);
    const blocked = await attempt(OPERATOR_PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Too many failed sign-ins');
    // Another address is not held up.
    await signIn(app, admin.email);
  });

  test('sign-out needs the CSRF token, then ends the session', async ({
    dashboardApp: app,
    prisma,
    admin,
  }) => {
    const session = await signIn(app, admin.email);
    expect((await postForm(app, '/dashboard/logout', {}, session.cookie)).statusCode).toBe(403);
    expect((await postForm(app, '/dashboard/logout', { _csrf: 'forged' }, session.cookie)).statusCode).toBe(
      403,
    );

    const out = await postForm(app, '/dashboard/logout', { _csrf: session.csrf }, session.cookie);

    expect(out.statusCode).toBe(303);
    const after = await app.inject({
      method: 'GET',
      url: '/dashboard',
      headers: { ...HTML, cookie: session.cookie },
    });
    expect(after.statusCode).toBe(303);
    expect(await prisma.operatorSession.count({ where: { operatorId: admin.id } })).toBe(0);
  });

  test('an expired session signs nobody in', async ({ dashboardApp: app, prisma, viewer }) => {
    const session = await signIn(app, viewer.email);
    await prisma.operatorSession.updateMany({
      where: { operatorId: viewer.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(
      (await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: session.cookie } }))
        .statusCode,
    ).toBe(401);
  });
});

describe('bull-board behind the dashboard', () => {
  test('viewers read the queues; their retries, cleans and promotes are 403', async ({
    dashboardApp: app,
    viewer,
    queue,
  }) => {
    await queue.add('run-next-action', { n: 1 }, { delay: 60_000, jobId: 'dashboard-delayed' });
    const session = await signIn(app, viewer.email);
    const headers = { cookie: session.cookie, origin: 'http://localhost:80', host: 'localhost:80' };

    const list = await app.inject({
      method: 'GET',
      url: '/dashboard/queues/api/queues?activeQueue=subscriptions&status=delayed',
      headers,
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('dashboard-delayed');
    const ui = await app.inject({ method: 'GET', url: '/dashboard/queues', headers });
    expect(ui.statusCode).toBe(200);
    for (const url of [
      '/dashboard/queues/api/queues/subscriptions/retry/failed',
      '/dashboard/queues/api/queues/subscriptions/clean/delayed',
      '/dashboard/queues/api/queues/subscriptions/dashboard-delayed/promote',
      '/dashboard/queues/api/queues/subscriptions/promote',
    ]) {
      expect((await app.inject({ method: 'PUT', url, headers })).statusCode, url).toBe(403);
    }
    expect(await queue.getJobState('dashboard-delayed')).toBe('delayed');
  });

  test('admins promote from this origin; a cross-origin mutation is 403', async ({
    dashboardApp: app,
    admin,
    queue,
  }) => {
    await queue.add('run-next-action', { n: 2 }, { delay: 60_000, jobId: 'dashboard-promote' });
    const session = await signIn(app, admin.email);
    const url = '/dashboard/queues/api/queues/subscriptions/dashboard-promote/promote';

    const crossSite = await app.inject({
      method: 'PUT',
      url,
      headers: { cookie: session.cookie, host: 'localhost:80', origin: 'https://evil.example' },
    });
    expect(crossSite.statusCode).toBe(403);
    const noOrigin = await app.inject({
      method: 'PUT',
      url,
      headers: { cookie: session.cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(noOrigin.statusCode).toBe(403);
    expect(await queue.getJobState('dashboard-promote')).toBe('delayed');

    const promoted = await app.inject({
      method: 'PUT',
      url,
      headers: { cookie: session.cookie, host: 'localhost:80', origin: 'http://localhost:80' },
    });
    expect(promoted.statusCode, promoted.body).toBe(204);
    expect(await queue.getJobState('dashboard-promote')).toBe('waiting');
  });
});
