// What every benchmark's command line needs: whole-number flags checked at start, progress lines
// on stderr (stdout is left for the figures).

/** The flag `name` of `args` as an integer >= `min`; otherwise the process exits 2 naming it. */
export function integerFlag(args: Readonly<Record<string, unknown>>, name: string, min: number): number {
  const raw = args[name];
  const n = Number(raw);
  if (Number.isInteger(n) && n >= min) return n;
  process.stderr.write(`--${name} must be an integer >= ${min}, got ${String(raw)}\n`);
  process.exit(2);
}

/** A progress line on stderr. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
