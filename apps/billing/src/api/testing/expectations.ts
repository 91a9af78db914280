// Assertions on API answers shared by the route tests.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { PROBLEM_BASE_URI, type ProblemSlug } from '../problems.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

/** The answer is an RFC 9457 problem of `slug` with `status`; returns its body. */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
  slug: ProblemSlug,
): ProblemBody {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json<ProblemBody>();
  expect(body).toMatchObject({ type: `${PROBLEM_BASE_URI}${slug}`, status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

/** A 400 validation problem whose `errors` name exactly `fields` (in any order). */
export function expectInvalidFields(
  response: LightMyRequestResponse,
  fields: readonly string[],
): ProblemBody {
  const body = expectProblem(response, 400, 'validation');
  expect([...new Set((body.errors ?? []).map((e) => e.field))].sort()).toEqual([...fields].sort());
  for (const error of body.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
  return body;
}

export function expectStatus(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode, response.body).toBe(status);
}
