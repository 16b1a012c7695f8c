import { availableParallelism } from 'node:os';

/**
 * How many cold starts (a worker process started and its bundle loaded) run at once across the
 * whole runtime when LocalLambdaRuntimeOptions.maxConcurrentColdStarts is left out: the machine's
 * cores, at least 2. A cold start is CPU work (Node.js starting, the bundle compiled and run);
 * on Lambda each runs on hardware of its own, here they share the machine's cores, and hundreds
 * started at once (500 spokes edited together, or their schedules) would each take hundreds of
 * times as long and starve the warm invocations meanwhile.
 */
export function defaultMaxConcurrentColdStarts(cores: number = availableParallelism()): number {
  return Math.max(2, Math.floor(cores));
}

/** One cold start let through: call `release` once its bundle has loaded (or failed to). */
export interface ColdStartPermit {
  /** How long it waited for its turn (ms, the gate's clock). */
  waitedMs: number;
  release(): void;
}

/**
 * A runtime-wide limit on concurrent cold starts: at most `max` at once, the rest wait first come
 * first served (FIFO), whichever function or account they are of. A permit is taken after a
 * container has its worker slot (WorkerSlotPool) and its role's credentials, and given back once
 * the worker has loaded the bundle (ready, init error, or gone).
 */
export class ColdStartGate {
  private running = 0;
  private readonly waiting: { since: number; grant: (permit: ColdStartPermit) => void }[] = [];
  /** The most cold starts that waited at once. */
  peakWaiting = 0;
  /** Cold starts let through so far. */
  granted = 0;

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`ColdStartGate: max must be a positive integer, got ${max}`);
  }

  /** Cold starts under way. */
  get active(): number {
    return this.running;
  }

  /** Cold starts waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once this cold start may begin. */
  acquire(): Promise<ColdStartPermit> {
    const since = this.now();
    if (this.running < this.max) {
      this.running += 1;
      return Promise.resolve(this.permit(since));
    }
    return new Promise((grant) => {
      this.waiting.push({ since, grant });
      this.peakWaiting = Math.max(this.peakWaiting, this.waiting.length);
    });
  }

  private permit(since: number): ColdStartPermit {
    this.granted += 1;
    let released = false;
    return {
      waitedMs: this.now() - since,
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        // The freed place goes straight to the longest waiting cold start.
        if (next) next.grant(this.permit(next.since));
        else this.running -= 1;
      },
    };
  }
}
