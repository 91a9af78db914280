// Plans: created with version 1, listed, read with all versions, archived (idempotently), and
// given new versions (never edited in place: subscriptions keep the version they were sold).
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CATCH_UP_POLICY, DEFAULT_DUNNING_POLICY } from '../../domain/index.js';
import { addPlanVersion, archivePlan, createPlan, getPlan, listPlans } from '../../store/plans.js';
import type { ResolvedApiDeps } from '../deps.js';
import { callerOf } from '../plugins/auth.js';
import { notFoundProblem, problem, sendProblem } from '../problems.js';
import { emptyBody, idempotentHeaders, idParams, listOf, problemResponses } from '../schemas/common.js';
import {
  createPlanBody,
  createPlanVersionBody,
  listPlansQuery,
  planDetailSchema,
  planSchema,
  planVersionSchema,
} from '../schemas/plans.js';
import { planDetailView, planVersionView, planView } from '../views/plans.js';
import { sendList, zodApp } from './common.js';

const tags = ['Plans'];

export function register(app: FastifyInstance, deps: ResolvedApiDeps): void {
  const api = zodApp(app);

  api.post(
    '/plans',
    {
      schema: {
        tags,
        summary: 'Create a plan (with its version 1)',
        headers: idempotentHeaders,
        body: createPlanBody,
        response: { 201: planDetailSchema, ...problemResponses(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const result = await createPlan(deps.db, {
        merchantId: caller.merchantId,
        code: body.code,
        name: body.name,
        currency: body.currency,
        amountMinor: body.amount,
        interval: body.interval,
        intervalCount: body.interval_count,
        trialDays: body.trial_days,
        captureMode: body.capture_mode,
        captureDelaySeconds: body.capture_delay_seconds,
        dunningPolicy: body.dunning_policy ?? DEFAULT_DUNNING_POLICY,
        catchUpPolicy: body.catch_up_policy ?? DEFAULT_CATCH_UP_POLICY,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      switch (result.kind) {
        case 'created':
          return reply.code(201).send(planDetailView(result.plan));
        case 'duplicate_code':
          return sendProblem(
            request,
            reply,
            problem('already-exists', `A plan with code "${body.code}" already exists.`, {
              errors: [{ field: 'code', message: 'is already used by another plan' }],
            }),
          );
      }
    },
  );

  api.get(
    '/plans',
    {
      schema: {
        tags,
        summary: 'List plans, newest first',
        querystring: listPlansQuery,
        response: { 200: listOf(planSchema), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { merchantId } = callerOf(request);
      const { status } = request.query;
      return sendList(
        request,
        reply,
        { name: 'plans', query: request.query, filters: { status } },
        (page) => listPlans(deps.db, merchantId, { status }, page),
        planView,
      );
    },
  );

  api.get(
    '/plans/:id',
    {
      schema: {
        tags,
        summary: 'Read a plan with all its versions',
        params: idParams,
        response: { 200: planDetailSchema, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const plan = await getPlan(deps.db, callerOf(request).merchantId, request.params.id);
      if (plan === null) return sendProblem(request, reply, notFoundProblem('plan'));
      return reply.send(planDetailView(plan));
    },
  );

  api.post(
    '/plans/:id/archive',
    {
      schema: {
        tags,
        summary: 'Archive a plan',
        description:
          'An archived plan starts no new subscriptions and gets no new versions; existing subscriptions continue. Archiving an archived plan changes nothing.',
        headers: idempotentHeaders,
        params: idParams,
        body: emptyBody,
        response: { 200: planDetailSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await archivePlan(deps.db, {
        merchantId: caller.merchantId,
        id: request.params.id,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      if (result.kind === 'not_found') return sendProblem(request, reply, notFoundProblem('plan'));
      return reply.send(planDetailView(result.plan));
    },
  );

  api.post(
    '/plans/:id/versions',
    {
      schema: {
        tags,
        summary: 'Add a version to a plan',
        description:
          'The new version (number + 1, the plan currency) applies to new subscriptions; existing ones keep theirs. Omitted name and policies are taken from the latest version.',
        headers: idempotentHeaders,
        params: idParams,
        body: createPlanVersionBody,
        response: { 201: planVersionSchema, ...problemResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = request.body;
      const result = await addPlanVersion(deps.db, {
        merchantId: caller.merchantId,
        planId: request.params.id,
        name: body.name ?? null,
        amountMinor: body.amount,
        interval: body.interval,
        intervalCount: body.interval_count,
        trialDays: body.trial_days,
        captureMode: body.capture_mode,
        captureDelaySeconds: body.capture_delay_seconds,
        dunningPolicy: body.dunning_policy ?? null,
        catchUpPolicy: body.catch_up_policy ?? null,
        actor: caller.actor,
        at: deps.clock.now(),
      });
      switch (result.kind) {
        case 'created':
          return reply.code(201).send(planVersionView(result.version));
        case 'not_found':
          return sendProblem(request, reply, notFoundProblem('plan'));
        case 'plan_archived':
          return sendProblem(
            request,
            reply,
            problem('plan-archived', 'An archived plan gets no new versions.'),
          );
      }
    },
  );
}
