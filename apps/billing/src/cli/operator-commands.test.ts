import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { fixedClock } from '../domain/clock.js';
import { verifyPassword } from '../operators/password.js';
import { newCsrfToken, newSessionId, sessionIdHash } from '../operators/session-secrets.js';
import type { Db } from '../store/db.js';
import { createOperatorSession, findOperatorForLogin, findOperatorSession } from '../store/operators.js';
import { databaseTest } from '../testing/database-test.js';
import { runOperatorCommand } from './operator-commands.js';

const AT = new Date('2026-04-01T08:00:00.000Z');
const PASSWORD = 'correct horse battery staple';

async function run(db: Db, argv: string[], password = `${PASSWORD}\n`) {
  let stdout = '';
  let stderr = '';
  const sources: string[] = [];
  const code = await runOperatorCommand(argv, {
    db,
    clock: fixedClock(AT.toISOString()),
    readPassword: (source) => {
      sources.push(source);
      return Promise.resolve(password);
    },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr, sources };
}

const email = () => `Ops-${randomUUID()}@Example.com`;

describe('rebill operator', () => {
  databaseTest(
    'create: stores an scrypt hash with its salt and parameters, audited as the CLI',
    async ({ prisma }) => {
      const address = email();
      const { code, stdout, stderr, sources } = await run(prisma, [
        'create',
        '--email',
        address,
        '--role',
        'viewer',
        '--password-stdin',
      ]);

      expect(code, stderr).toBe(0);
      expect(sources).toEqual(['stdin']);
      const printed = JSON.parse(stdout) as { operator_id: string; email: string; role: string };
      expect(printed).toMatchObject({ email: address.toLowerCase(), role: 'VIEWER' });
      const row = await prisma.operator.findUniqueOrThrow({ where: { id: printed.operator_id } });
      expect(row).toMatchObject({ scryptN: 32768, scryptR: 8, scryptP: 1, disabledAt: null });
      expect(row.passwordSalt).toHaveLength(16);
      expect(Buffer.from(row.passwordHash).toString('utf8')).not.toContain(PASSWORD);
      const login = await findOperatorForLogin(prisma, address.toLowerCase());
      expect(login).not.toBeNull();
      expect(await verifyPassword(PASSWORD, login!.password)).toBe(true);
      expect(await verifyPassword(`${PASSWORD}!`, login!.password)).toBe(false);
      const audit = await prisma.auditEvent.findMany({ where: { entityId: printed.operator_id } });
      expect(audit.map((a) => [a.action, a.actorKind, a.actorId])).toEqual([
        ['operator.created', 'SYSTEM', 'cli'],
      ]);
      expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain(PASSWORD);
    },
  );

  databaseTest(
    'create: prompts without --password-stdin; refuses a taken email, a short password, a bad role',
    async ({ prisma }) => {
      const address = email();
      const first = await run(prisma, ['create', '--email', address, '--role', 'admin']);
      expect(first.code, first.stderr).toBe(0);
      expect(first.sources).toEqual(['prompt']);

      const again = await run(prisma, ['create', '--email', address.toUpperCase(), '--role', 'admin']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already an operator');

      const short = await run(prisma, ['create', '--email', email(), '--role', 'admin'], 'short\n');
      expect(short.code).toBe(2);
      expect(short.stderr).toContain('at least 12 characters');

      expect((await run(prisma, ['create', '--email', email(), '--role', 'root'])).code).toBe(2);
      const argvPassword = await run(prisma, [
        'create',
        '--email',
        email(),
        '--role',
        'admin',
        '--password',
        PASSWORD,
      ]);
      expect(argvPassword.code).toBe(2);
      expect(argvPassword.stderr).toContain('--password');
    },
  );

  databaseTest('disable: the operator can no longer sign in and their sessions end', async ({ prisma }) => {
    const address = email().toLowerCase();
    const created = await run(prisma, ['create', '--email', address, '--role', 'admin', '--password-stdin']);
    const { operator_id: operatorId } = JSON.parse(created.stdout) as { operator_id: string };
    const sessionHash = sessionIdHash(newSessionId());
    await createOperatorSession(prisma, {
      idHash: sessionHash,
      operatorId,
      csrfToken: newCsrfToken(),
      at: AT,
      expiresAt: new Date(AT.getTime() + 3_600_000),
    });
    expect(await findOperatorSession(prisma, sessionHash, AT)).not.toBeNull();

    const disabled = await run(prisma, ['disable', '--email', address]);

    expect(disabled.code, disabled.stderr).toBe(0);
    expect(await findOperatorSession(prisma, sessionHash, AT)).toBeNull();
    expect(await findOperatorForLogin(prisma, address)).toBeNull();
    expect((await run(prisma, ['disable', '--email', address])).code).toBe(1);
    expect((await run(prisma, ['disable', '--email', email()])).code).toBe(1);
    const actions = await prisma.auditEvent.findMany({
      where: { entityId: operatorId },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => [a.action, a.actorKind])).toEqual([
      ['operator.created', 'SYSTEM'],
      ['operator.signed_in', 'OPERATOR'],
      ['operator.disabled', 'SYSTEM'],
    ]);
  });
});
