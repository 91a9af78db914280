// CPU time of processes from /proc (Linux): a node process by pid, and PostgreSQL's backends for
// one database (their process titles read `postgres: <cluster>: <user> <database> <client> ...`),
// summed. Readings are snapshots; the difference of two is the CPU spent in between (a backend
// that starts in between counts from zero; one that ends in between is lost, which pooled
// connections do not do).
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat's utime and stime; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime in ms; NaN when the process is gone or /proc is missing. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function commandLine(pid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return null;
  }
}

export interface PostgresSnapshot {
  /** Backends connected to the database, by pid, with their CPU ms. */
  readonly backends: ReadonlyMap<number, number>;
  /**
   * The server's own processes (checkpointer, WAL writer, background writer, autovacuum), which
   * work for every database of a shared server, not only this one.
   */
  readonly background: ReadonlyMap<number, number>;
}

const BACKGROUND =
  /^postgres: \S+: (checkpointer|background writer|walwriter|autovacuum|logical replication|archiver)/;

/** Backends of `database` (excluding `excludePids`, e.g. the benchmark's own) and the server's own processes. */
export function postgresSnapshot(database: string, excludePids: ReadonlySet<number>): PostgresSnapshot {
  const backends = new Map<number, number>();
  const background = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { backends, background };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = commandLine(entry);
    if (cmd === null || !cmd.startsWith('postgres')) continue;
    const pid = Number(entry);
    if (excludePids.has(pid)) continue;
    const cpu = processCpuMs(pid);
    if (Number.isNaN(cpu)) continue;
    // `postgres: 15/main: postgres rebill_bench_x 127.0.0.1(41234) idle`
    const words = cmd.trim().split(/\s+/);
    if (words[3] === database) backends.set(pid, cpu);
    else if (BACKGROUND.test(cmd)) background.set(pid, cpu);
  }
  return { backends, background };
}

/** CPU ms spent between two snapshots of a set of processes. */
export function cpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** The pid of a process whose command line starts with `prefix` (e.g. `redis-server`), if any. */
export function findPid(prefix: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (commandLine(entry)?.startsWith(prefix) === true) return Number(entry);
  }
  return null;
}
