// Guards for the domain's contract with the rest of Rebill: purity of its imports and agreement
// of its status vocabularies with the Prisma schema. (Tests may use node:fs; domain code may not.)
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as domain from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const sources = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => ({ name, text: readFileSync(`${here}${name}`, 'utf8') }));

describe('domain purity', () => {
  it.each(sources.map((s) => [s.name, s.text] as const))(
    '%s imports only luxon, zod and sibling files',
    (_name, text) => {
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map(
        (m) => m[1],
      );
      for (const specifier of specifiers) {
        expect(
          specifier === 'luxon' || specifier === 'zod' || /^\.\/[a-z-]+\.js$/.test(specifier ?? ''),
        ).toBe(true);
      }
    },
  );

  it.each(sources.map((s) => [s.name, s.text] as const))(
    '%s never reads the clock or randomness itself',
    (name, text) => {
      const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      expect(code).not.toMatch(/Date\.now\(|Math\.random\(|process\.|performance\.now\(|Settings\.now/);
      // `new Date()` without an argument reads the clock: allowed only in the system clock.
      const bareNewDate = code.match(/new Date\(\s*\)/g) ?? [];
      expect(bareNewDate.length).toBe(name === 'clock.ts' ? 1 : 0);
    },
  );
});

describe('Prisma enum parity', () => {
  const schema = readFileSync(
    fileURLToPath(new URL('../../../../prisma/schema.prisma', import.meta.url)),
    'utf8',
  );
  const enumValues = (name: string) => {
    const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(schema)?.[1] ?? '';
    return body
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
  };

  it.each([
    ['SubscriptionStatus', domain.SUBSCRIPTION_STATUSES],
    ['ChargeAttemptStatus', domain.CHARGE_ATTEMPT_STATUSES],
    ['DeclineCategory', domain.DECLINE_CATEGORIES],
    ['BillingInterval', domain.BILLING_INTERVALS],
    ['NextActionKind', domain.NEXT_ACTION_KINDS],
    ['PaymentRequestState', domain.PAYMENT_REQUEST_STATES],
    ['SignupPartState', domain.SIGNUP_PART_STATES],
  ] as const)('%s matches the domain list', (name, values) => {
    expect(enumValues(name)).toEqual([...values]);
  });
});

describe('public API', () => {
  it('re-exports the entry points from index', () => {
    for (const name of [
      'money',
      'parseMoney',
      'formatMoneyAmount',
      'periodBoundary',
      'periodAt',
      'periodRange',
      'firstChargeAt',
      'dueCharges',
      'transitionSubscription',
      'transitionChargeAttempt',
      'nextAction',
      'resolveSignup',
      'nextFinalizeStep',
      'paymentRequestFactEffect',
      'nextDunningStep',
      'parseDunningPolicy',
      'classifyChargeOutcome',
      'VirtualClock',
      'systemClock',
      'IllegalTransitionError',
    ]) {
      expect(domain).toHaveProperty(name);
    }
  });
});
