// Captures (money Klarna took on a charge, at authorization or later) of the calling merchant:
// listed newest first, all or by `charge_id` or `subscription_id`, and read one by one.
import type { FastifyInstance } from 'fastify';
import { getCapture, listCaptures } from '../../store/captures.js';
import type { ResolvedApiDeps } from '../deps.js';
import { captureSchema } from '../schemas/charges.js';
import { captureView } from '../views/charges.js';
import { registerChargeOperations } from './charge-operations.js';

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  registerChargeOperations(app, deps, {
    plural: 'captures',
    tags: ['Charges'],
    singular: 'capture',
    item: captureSchema,
    list: listCaptures,
    get: getCapture,
    view: captureView,
  });
}
