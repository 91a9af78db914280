// The simulated months. Month m runs from two days after renewal m-1 to two days after renewal m
// (every demo subscription renews at its signup instant), so a month's renewals and their first
// retries happen inside it. At the start of a month the script's events for it are applied over
// the merchant API (cancellations, pauses, resumes, refunds) and the sandbox is told which
// renewals to decline; then the shared clock moves a step at a time, each step returning once
// everything due has run, and the bar moves.
import { DateTime } from 'luxon';
import type { RebillApi } from '../http/rebill-api.js';
import type { SandboxSim } from '../http/sandbox-sim.js';
import type { FigureReader } from '../report/figures.js';
import type { Progress } from '../report/progress.js';
import type { CustomerEvent } from '../script/behaviours.js';
import type { SignedUp } from './signups.js';

/** The plans' dunning policy (the default): the first attempt and four retries. */
const ATTEMPTS_PER_PERIOD = 5;
const MONTH_OFFSET_DAYS = 2;

export interface MonthsRun {
  readonly api: RebillApi;
  readonly sim: SandboxSim;
  readonly figures: FigureReader;
  readonly progress: Progress;
  readonly subscriptions: readonly SignedUp[];
  readonly months: number;
  /** How far one clock advance moves, in days. */
  readonly stepDays: number;
}

export async function runMonths(run: MonthsRun): Promise<void> {
  const start = DateTime.fromJSDate(await run.api.clockNow(), { zone: 'utc' });
  for (let month = 1; month <= run.months; month += 1) {
    await applyEvents(run, month);
    const from = start.plus({ months: month - 1, days: month === 1 ? 0 : MONTH_OFFSET_DAYS });
    const to = start.plus({ months: month, days: MONTH_OFFSET_DAYS });
    for (;;) {
      const now = DateTime.fromJSDate(await run.api.clockNow(), { zone: 'utc' });
      const left = to.diff(now).as('seconds');
      if (left <= 0) break;
      const seconds = Math.ceil(Math.min(left, run.stepDays * 86_400));
      // One step per call (Rebill's steps are a minute to a week), so the bar moves per call.
      await run.api.advanceClock(`PT${seconds}S`, seconds >= 60 ? `PT${seconds}S` : undefined);
      const fraction = now.diff(from).as('seconds') / to.diff(from).as('seconds');
      run.progress.month(month, run.months, fraction, await run.figures.rebill());
    }
    run.progress.monthDone(month, run.months, await run.figures.rebill());
  }
}

async function applyEvents(run: MonthsRun, month: number): Promise<void> {
  for (const { script, subscriptionId } of run.subscriptions) {
    const event = script.event;
    if (event === null || script.signup !== 'APPROVE') continue;
    await applyEvent(run, subscriptionId, event, month);
  }
}

async function applyEvent(run: MonthsRun, id: string, event: CustomerEvent, month: number): Promise<void> {
  if (event.kind === 'PAUSE' && event.resumeMonth === month) {
    await run.api.resume(id);
    return;
  }
  if (event.month !== month) return;
  switch (event.kind) {
    case 'DECLINE_RECOVERED':
    case 'DECLINE_UNRECOVERED': {
      const period = (await run.api.subscription(id)).current_period;
      if (period === null) return;
      // The renewal of the next period: `<subscription>-p<period>-a<attempt>` (Rebill's reference).
      const attempts = event.kind === 'DECLINE_RECOVERED' ? 1 : ATTEMPTS_PER_PERIOD;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        await run.sim.declineCharge(`${id}-p${period.index + 1}-a${attempt}`);
      }
      return;
    }
    case 'CANCEL':
      await run.api.cancel(id, event.mode);
      return;
    case 'PAUSE':
      await run.api.pause(id);
      return;
    case 'REFUND': {
      const [latest] = await run.api.charges(id);
      if (latest === undefined) return;
      await run.api.refund(latest.id, event.part === 'ALL' ? undefined : Math.floor(latest.amount / 2));
      return;
    }
  }
}
