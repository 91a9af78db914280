import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { buildApiApp } from '../api/app.js';
import { fixedClock } from '../domain/clock.js';
import { databaseTest } from '../testing/database-test.js';
import { runMerchantCreate } from './merchant-create.js';

const AT = '2026-04-01T08:00:00.000Z';

function capture() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), text: () => text };
}

const krn = () => `krn:partner:global:account:test:${randomUUID().replaceAll('-', '')}`;

async function run(prisma: Parameters<typeof runMerchantCreate>[1]['db'], argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runMerchantCreate(argv, { db: prisma, clock: fixedClock(AT), stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('rebill merchant create', () => {
  databaseTest(
    'creates the merchant and prints its first API key, which authenticates',
    async ({ prisma }) => {
      const account = krn();

      const { code, stdout, stderr } = await run(prisma, [
        '--name',
        'Zebra Bikes',
        '--klarna-account',
        account,
        '--time-zone',
        'Europe/Oslo',
      ]);

      expect(code, stderr).toBe(0);
      const printed = JSON.parse(stdout) as Record<string, string>;
      expect(printed).toMatchObject({
        name: 'Zebra Bikes',
        time_zone: 'Europe/Oslo',
        klarna_account: account,
        created_at: AT,
      });
      expect(printed['invoice_prefix']).toMatch(/^ZEBR\d*$/);
      expect(printed['api_key']).toMatch(/^rbk_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
      const merchant = await prisma.merchant.findUniqueOrThrow({
        where: { id: printed['merchant_id'] ?? '' },
      });
      expect(merchant).toMatchObject({
        timeZone: 'Europe/Oslo',
        klarnaPartnerAccountId: account,
        nextInvoiceSequence: 1,
      });
      const audit = await prisma.auditEvent.findMany({
        where: { merchantId: merchant.id },
        orderBy: { id: 'asc' },
      });
      expect(audit.map((a) => [a.entityType, a.action, a.actorKind, a.actorId])).toEqual([
        ['merchant', 'created', 'SYSTEM', 'cli'],
        ['api_key', 'created', 'SYSTEM', 'cli'],
      ]);
      expect(JSON.stringify(audit.map((a) => a.after))).not.toContain(printed['api_key']?.split('_')[2]);

      const app = await buildApiApp({
        db: prisma,
        clock: fixedClock(AT),
        readiness: {},
        signups: {
          start: () => Promise.reject(new Error('unused')),
          resume: () => Promise.reject(new Error('unused')),
        },
      });
      try {
        const keys = await app.inject({
          method: 'GET',
          url: '/v1/api-keys',
          headers: { authorization: `Bearer ${printed['api_key']}` },
        });
        expect(keys.statusCode).toBe(200);
        expect(keys.json()).toMatchObject({ data: [{ id: printed['api_key_id'], name: 'first key' }] });
      } finally {
        await app.close();
      }
    },
  );

  databaseTest(
    'gives merchants with the same name distinct invoice prefixes; the zone defaults to UTC',
    async ({ prisma }) => {
      const name = `Q${randomUUID().slice(0, 3)}`.toUpperCase();

      const first = await run(prisma, ['--name', name, '--klarna-account', krn()]);
      const second = await run(prisma, ['--name', name, '--klarna-account', krn()]);

      const [a, b] = [first, second].map((r) => JSON.parse(r.stdout) as Record<string, string>);
      expect(a?.['time_zone']).toBe('UTC');
      expect(a?.['invoice_prefix']).not.toBe(b?.['invoice_prefix']);
      expect(b?.['invoice_prefix']?.startsWith(a?.['invoice_prefix'] ?? '-')).toBe(true);
    },
  );

  databaseTest(
    'refuses a Klarna account that already has a merchant (exit 1), creating nothing',
    async ({ prisma }) => {
      const account = krn();
      await run(prisma, ['--name', 'First', '--klarna-account', account]);

      const again = await run(prisma, ['--name', 'Second', '--klarna-account', account]);

      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain(`the Klarna account ${account} already belongs to a merchant`);
      expect(
        await prisma.merchant.count({ where: { name: 'Second', klarnaPartnerAccountId: account } }),
      ).toBe(0);
    },
  );

  databaseTest.for([
    ['no flags', [], '--name is required'],
    ['no Klarna account', ['--name', 'A'], '--klarna-account is required'],
    [
      'a bad KRN',
      ['--name', 'A', '--klarna-account', 'krn:partner:global:account:prod:abc'],
      'is not a Klarna partner account KRN',
    ],
    [
      'a bad zone',
      ['--name', 'A', '--klarna-account', krn(), '--time-zone', 'Mars/Base'],
      'is not an IANA time zone',
    ],
    ['an unknown flag', ['--name', 'A', '--colour', 'red'], "Unknown option '--colour'"],
    ['a positional argument', ['extra'], 'Unexpected argument'],
    ['a flag without its value', ['--name'], "Option '--name <value>' argument missing"],
  ] as const)('prints usage and exits 2 for %s', async ([, argv, message], { prisma }) => {
    const result = await run(prisma, [...argv]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: rebill merchant create');
  });

  databaseTest('prints usage on --help and exits 0', async ({ prisma }) => {
    const result = await run(prisma, ['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rebill merchant create');
  });
});
