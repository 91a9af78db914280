// POST /dashboard/subscriptions/:id/cancel (mode IMMEDIATELY or AT_PERIOD_END): the merchant API's
// lifecycle command (lifecycle/commands.ts), run for the subscription's merchant with the operator
// as the audited actor.
import type { FastifyInstance } from 'fastify';
import { runLifecycleCommand } from '../../lifecycle/commands.js';
import { operatorActor } from '../../store/operators.js';
import { ownerOf } from '../../store/operator-lookups.js';
import type { DashboardDeps } from '../deps.js';
import { field, formOf } from '../forms.js';
import { sessionOf } from '../session.js';
import { answerAction, done, refused, idParam, invalidField, notFound } from './answers.js';

const MODES = ['IMMEDIATELY', 'AT_PERIOD_END'] as const;
type Mode = (typeof MODES)[number];
const isMode = (value: string | undefined): value is Mode => MODES.some((m) => m === value);

export function register(app: FastifyInstance, deps: DashboardDeps): void {
  app.post('/subscriptions/:id/cancel', async (request, reply) => {
    const id = idParam(request);
    const mode = field(formOf(request), 'mode');
    if (!isMode(mode)) return invalidField(reply, 'mode', 'must be IMMEDIATELY or AT_PERIOD_END');
    const merchantId = await ownerOf(deps.db, 'subscription', id);
    if (merchantId === null) return notFound(reply, 'subscription');
    const result = await runLifecycleCommand(
      deps.db,
      {
        merchantId,
        subscriptionId: id,
        actor: operatorActor(sessionOf(request).operator.id),
        now: deps.clock.now(),
      },
      { type: 'CANCEL', mode },
    );
    const back = `/dashboard/subscriptions?id=${id}`;
    switch (result.kind) {
      case 'not_found':
        return notFound(reply, 'subscription');
      case 'illegal':
        return answerAction(
          request,
          reply,
          deps.options,
          back,
          refused(`Not canceled (${result.status}): ${result.reason}`),
        );
      case 'done':
        return answerAction(
          request,
          reply,
          deps.options,
          back,
          done(
            !result.changed
              ? 'Nothing to do: the subscription was already canceled or scheduled to be.'
              : mode === 'IMMEDIATELY'
                ? 'Subscription canceled.'
                : 'Subscription will cancel at the end of its period.',
          ),
        );
    }
  });
}
