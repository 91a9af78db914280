// SIM-ONLY sandbox time: read it, advance it (due expiries and webhook retries run before the answer).
import { z } from 'zod';
import type { SimClock } from '../clock.js';
import type { RegisterRoutes } from '../deps.js';
import { parseOr400 } from '../http/validation.js';

const TEN_YEARS_S = 10 * 366 * 86_400;
const advanceBody = z.object({ seconds: z.number().positive().max(TEN_YEARS_S) });

export interface ClockView {
  now: string;
  now_ms: number;
  offset_ms: number;
}

export function clockView(clock: SimClock): ClockView {
  const now = clock.now();
  return { now: new Date(now).toISOString(), now_ms: now, offset_ms: now - Date.now() };
}

export const registerSimClockRoutes: RegisterRoutes = (app, { clock }) => {
  app.get('/__sim/clock', () => clockView(clock));

  app.post('/__sim/clock/advance', async (request) => {
    const { seconds } = parseOr400(advanceBody, request.body);
    await clock.advance(Math.round(seconds * 1000));
    return clockView(clock);
  });
};
