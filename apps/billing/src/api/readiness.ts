// Runs the readiness probes side by side, each bounded by a timeout, and reports each by name.
import type { ReadinessProbe } from './deps.js';

export type ProbeOutcome = 'ok' | 'failed' | 'timed_out';

export async function runProbes(
  probes: Readonly<Record<string, ReadinessProbe>>,
  timeoutMs: number,
): Promise<Record<string, ProbeOutcome>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await runProbe(probe, timeoutMs)] as const),
  );
  return Object.fromEntries(entries);
}

async function runProbe(probe: ReadinessProbe, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().then(
        (): ProbeOutcome => 'ok',
        (): ProbeOutcome => 'failed',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
