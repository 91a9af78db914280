// What a role's readiness probe answers: every dependency by name, and whether all answered.
export interface Readiness {
  readonly ok: boolean;
  /** `postgres: 'ok' | 'unreachable'`, `redis: …`; a failing entry names the dependency. */
  readonly checks: Record<string, string>;
}
