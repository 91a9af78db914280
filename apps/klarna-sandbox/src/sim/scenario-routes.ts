// SIM-ONLY scripted outcomes and latency: GET/PUT/POST/DELETE /__sim/scenarios, PUT /__sim/latency.
import { z } from 'zod';
import { SandboxHttpError } from '../contracts.js';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';
import { latencySchema, ruleSchema, scenariosBodySchema } from '../scenarios/schema.js';
import type { Rule } from '../scenarios/store.js';

const ruleView = (r: Rule) => ({
  id: r.id,
  match: r.match,
  outcome: r.outcome ?? null,
  latency: r.latency ?? null,
  times: r.times,
  remaining: r.remaining ?? 'always',
  used: r.used,
});
const idParams = z.object({ rule_id: z.string().min(1) });
const latencyBody = z.object({ latency: latencySchema });

export const registerSimScenarioRoutes: RegisterRoutes = (app, { state: { scenarios } }) => {
  const view = () => ({
    rules: scenarios.list().map(ruleView),
    latency: scenarios.latency ?? { type: 'none' },
  });

  app.get('/__sim/scenarios', view);

  app.put('/__sim/scenarios', (request) => {
    const body = parseOr400(scenariosBodySchema, request.body);
    scenarios.replace(body.rules, body.latency);
    return view();
  });

  app.post('/__sim/scenarios', async (request, reply) => {
    const rule = scenarios.add(parseOr400(ruleSchema, request.body));
    return reply.code(201).send(ruleView(rule));
  });

  app.delete('/__sim/scenarios', () => {
    scenarios.reset();
    return view();
  });

  app.delete('/__sim/scenarios/:rule_id', (request) => {
    const { rule_id: id } = parseOr400(idParams, request.params);
    if (!scenarios.remove(id)) throw new SandboxHttpError(404, 'NOT_FOUND', `Scenario rule ${id} not found`);
    return view();
  });

  app.put('/__sim/latency', (request) => {
    scenarios.latency = parseOr400(latencyBody, request.body).latency;
    return view();
  });
};
