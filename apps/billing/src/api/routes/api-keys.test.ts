import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { apiTest } from '../testing/api-test.js';
import { expectInvalidFields, expectProblem, expectStatus } from '../testing/expectations.js';

interface KeyBody {
  id: string;
  prefix: string;
  secret?: string;
}

describe('API keys', () => {
  apiTest(
    'creates a key whose secret is shown once and stored only as a hash',
    async ({ app, merchant, prisma, clock }) => {
      clock.advance(1000);
      const response = await app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: merchant.headers,
        payload: { name: 'backend' },
      });

      expectStatus(response, 201);
      const key = response.json<KeyBody>();
      expect(key).toMatchObject({ object: 'api_key', name: 'backend', last_used_at: null, revoked_at: null });
      expect(key.secret).toMatch(new RegExp(`^rbk_${key.prefix}_[A-Za-z0-9]{40}$`));
      const secretPart = key.secret?.split('_')[2] ?? '';
      const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(row.secretHash).toBe(createHash('sha256').update(secretPart).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(secretPart);

      // The new key works, and no listing ever shows a secret or a hash.
      const list = await app.inject({
        method: 'GET',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${key.secret}` },
      });
      expectStatus(list, 200);
      expect(list.body).not.toContain(secretPart);
      expect(list.body).not.toContain(row.secretHash);
      expect(list.json<{ data: KeyBody[] }>().data.map((k) => k.id)).toEqual([key.id, merchant.apiKeyId]);

      const audit = await prisma.auditEvent.findMany({ where: { entityId: key.id } });
      expect(audit).toMatchObject([{ entityType: 'api_key', action: 'created', actorId: merchant.apiKeyId }]);
      expect(JSON.stringify(audit[0]?.after)).not.toContain(secretPart);
    },
  );

  apiTest('names a missing or bad name', async ({ app, merchant }) => {
    expectInvalidFields(
      await app.inject({ method: 'POST', url: '/v1/api-keys', headers: merchant.headers, payload: {} }),
      ['name'],
    );
    expectInvalidFields(
      await app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: merchant.headers,
        payload: { name: 'x'.repeat(201) },
      }),
      ['name'],
    );
  });

  apiTest('refuses to revoke the last active key (409)', async ({ app, merchant, prisma }) => {
    const response = await app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${merchant.apiKeyId}`,
      headers: merchant.headers,
    });

    expectProblem(response, 409, 'last-active-key');
    expect(
      (await prisma.apiKey.findUniqueOrThrow({ where: { id: merchant.apiKeyId } })).revokedAt,
    ).toBeNull();
  });

  apiTest(
    'revokes the key in use when another is active; it stops working at once',
    async ({ app, merchant, prisma, clock }) => {
      const second = (
        await app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: merchant.headers,
          payload: { name: 'second' },
        })
      ).json<KeyBody>();

      const revoked = await app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${merchant.apiKeyId}`,
        headers: merchant.headers,
      });

      expectStatus(revoked, 200);
      expect(revoked.json()).toMatchObject({ id: merchant.apiKeyId, revoked_at: clock.now().toISOString() });
      expectProblem(
        await app.inject({ method: 'GET', url: '/v1/plans', headers: merchant.headers }),
        401,
        'unauthorized',
      );
      const secondHeaders = { authorization: `Bearer ${second.secret}` };
      // Revoking again is a no-op answer; the remaining key is the last one now.
      const again = await app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${merchant.apiKeyId}`,
        headers: secondHeaders,
      });
      expect(again.json()).toEqual(revoked.json());
      expectProblem(
        await app.inject({ method: 'DELETE', url: `/v1/api-keys/${second.id}`, headers: secondHeaders }),
        409,
        'last-active-key',
      );
      const audit = await prisma.auditEvent.findMany({
        where: { entityId: merchant.apiKeyId, action: 'revoked' },
      });
      expect(audit).toHaveLength(1);
    },
  );

  apiTest('never lets two concurrent revocations remove both last keys', async ({ app, merchant }) => {
    const second = (
      await app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: merchant.headers,
        payload: { name: 'second' },
      })
    ).json<KeyBody>();

    const answers = await Promise.all(
      [merchant.apiKeyId, second.id].map((id) =>
        app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: merchant.headers }),
      ),
    );

    // The first revocation may take the calling key itself, so the other request is a 409 or a 401.
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
  });

  apiTest("cannot see or revoke another merchant's keys", async ({ app, merchant, otherMerchant }) => {
    await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: otherMerchant.headers,
      payload: { name: 'theirs' },
    });

    const response = await app.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${otherMerchant.apiKeyId}`,
      headers: merchant.headers,
    });
    const list = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: merchant.headers });

    expectProblem(response, 404, 'not-found');
    expect(list.json<{ data: KeyBody[] }>().data.map((k) => k.id)).toEqual([merchant.apiKeyId]);
  });
});
