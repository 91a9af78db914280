// Live progress: on a terminal, a bar per simulated month that fills as the clock moves (redrawn in
// place, kept once the month is done); elsewhere (a pipe, a test) one plain line per month.
import type { RebillFigures } from './figures.js';

export interface Progress {
  signups(done: number, total: number): void;
  /** `fraction` of month `month` has passed. */
  month(month: number, months: number, fraction: number, figures: RebillFigures): void;
  monthDone(month: number, months: number, figures: RebillFigures): void;
}

const BAR_WIDTH = 24;

export function countsLine(f: RebillFigures): string {
  return [
    `renewals ${f.renewals}`,
    `declines ${f.declines}`,
    `retries ${f.retries}`,
    `recovered ${f.recovered}`,
    `canceled ${f.canceled}`,
    `refunded ${f.refunds}`,
  ].join('  ');
}

export function monthBar(month: number, months: number, fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  const label = `month ${String(month).padStart(String(months).length)}/${months}`;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

export function terminalProgress(out: NodeJS.WriteStream): Progress {
  const redraw = (text: string): void => {
    out.write(`\r\x1b[2K${text}`);
  };
  return {
    signups(done, total) {
      redraw(`signing up customers ${done}/${total}`);
      if (done === total) out.write('\n');
    },
    month(month, months, fraction, figures) {
      redraw(`${monthBar(month, months, fraction)}  ${countsLine(figures)}`);
    },
    monthDone(month, months, figures) {
      redraw(`${monthBar(month, months, 1)}  ${countsLine(figures)}\n`);
    },
  };
}

export function plainProgress(write: (line: string) => void): Progress {
  return {
    signups(done, total) {
      if (done === total) write(`signed up ${total} customers`);
    },
    month() {
      // one line per month is enough without a terminal
    },
    monthDone(month, months, figures) {
      write(`${monthBar(month, months, 1)}  ${countsLine(figures)}`);
    },
  };
}
