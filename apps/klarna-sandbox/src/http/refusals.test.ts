import { describe, expect, it } from 'vitest';
import { SandboxError, TransactionError, type RefusalKind } from '../errors.js';
import { refusalHttp } from './refusals.js';

describe('refusalHttp', () => {
  it.each([
    ['invalid', 400, 'INPUT_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR'],
    ['not_found', 404, 'RESOURCE_ERROR', 'NOT_FOUND', 'RESOURCE_NOT_FOUND'],
    ['forbidden', 403, undefined, 'FORBIDDEN', 'OPERATION_FORBIDDEN'],
    ['conflict', 409, 'RESOURCE_ERROR', 'CONFLICT', 'RESOURCE_CONFLICT'],
  ] as const)('%s: %d, %s / %s (§12.2), … / %s (§18)', (kind, status, type, classic, section18) => {
    const k: RefusalKind = kind;
    expect(refusalHttp(new SandboxError(k, 'x'))).toMatchObject({ status, errorCode: classic });
    if (type !== undefined) expect(refusalHttp(new SandboxError(k, 'x')).errorType).toBe(type);
    expect(refusalHttp(new TransactionError(k, 'x'))).toMatchObject({ status, errorCode: section18 });
  });

  it('§18 refusals are RESOURCE_ERRORs, a 403 included; a classic 403 is an ACCESS_ERROR', () => {
    expect(refusalHttp(new TransactionError('forbidden', 'x')).errorType).toBe('RESOURCE_ERROR');
    expect(refusalHttp(new SandboxError('forbidden', 'x')).errorType).toBe('ACCESS_ERROR');
  });
});
