// A started role: what main.ts needs to stop it on SIGTERM/SIGINT.
export interface RunningRole {
  readonly name: string;
  /** Where it listens, for roles that do. */
  readonly url?: string;
  /** Where its ops server (/healthz, /readyz, /metrics) listens, for roles that run one. */
  readonly opsUrl?: string;
  /** Stops taking work, finishes what is in flight, closes connections. */
  stop(): Promise<void>;
}
