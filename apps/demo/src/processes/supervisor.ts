// Every process the demo started, and how they all stop: on Ctrl-C/SIGTERM, at the end of a short
// run, and after a failure. If the demo itself dies anyway, its exit hook kills every child's
// process group, so nothing is left running.
import { Child, type ChildSpec, type ExitHow } from './child.js';

const GRACE_MS = 15_000;

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;
  private onCrash: (child: Child) => void = () => undefined;
  /** Resolves with the first child that exits while it should run (never, if none does). */
  readonly crashed = new Promise<Child>((resolve) => {
    this.onCrash = resolve;
  });

  constructor() {
    // Last resort: 'exit' handlers cannot wait, so the groups are killed outright.
    process.once('exit', () => this.killAll());
  }

  start(spec: ChildSpec): Child {
    const child = new Child(spec);
    this.children.push(child);
    void child.exited.then(() => {
      if (!this.stopping) this.onCrash(child);
    });
    return child;
  }

  killAll(): void {
    for (const child of this.children) child.signal('SIGKILL');
  }

  /** Stops the children: the roles together, then what they call (`stopLast`); says how each ended. */
  async stopAll(): Promise<Record<string, ExitHow>> {
    this.stopping = true;
    const exits: Record<string, ExitHow> = {};
    const stopWave = (children: Child[]) =>
      Promise.all(
        children.map(async (child) => {
          exits[child.spec.name] = await child.stop(GRACE_MS);
        }),
      );
    await stopWave(this.children.filter((child) => child.spec.stopLast !== true));
    await stopWave(this.children.filter((child) => child.spec.stopLast === true));
    return exits;
  }
}
