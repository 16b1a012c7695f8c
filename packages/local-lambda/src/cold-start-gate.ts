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
 * A runtime-wide limit on concurrent cold starts: at most `max` at once, the rest wait. Waiting
 * cold starts are queued by lane (the `laneOf` their account; one lane when left out) and the
 * lanes take turns: a freed place goes to the next lane, in the order the lanes first waited, that has a
 * cold start waiting, and within a lane to the one that has waited longest (FIFO). With the
 * management account in a lane of its own (the local cloud does so), the hub's functions never
 * wait behind hundreds of member accounts' cold starts, as on AWS, where each account's functions
 * start on hardware of their own. A permit is taken after a container has its worker slot
 * (WorkerSlotPool) and its role's credentials, and given back once the worker has loaded the
 * bundle (ready, init error, or gone).
 */
export class ColdStartGate {
  private running = 0;
  /** The waiting cold starts of each lane, lanes in the order they first waited. */
  private readonly lanes = new Map<string, { since: number; grant: (permit: ColdStartPermit) => void }[]>();
  /** The lane served last: the next freed place goes to a lane after it. */
  private lastLane: string | undefined;
  private waitingCount = 0;
  /** The most cold starts that waited at once. */
  peakWaiting = 0;
  /** Cold starts let through so far. */
  granted = 0;

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
    private readonly laneOf: (account: string) => string = () => '',
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`ColdStartGate: max must be a positive integer, got ${max}`);
  }

  /** Cold starts under way. */
  get active(): number {
    return this.running;
  }

  /** Cold starts waiting for their turn. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Resolves once this cold start (of a function of `account`) may begin. */
  acquire(account = ''): Promise<ColdStartPermit> {
    const since = this.now();
    const lane = this.laneOf(account);
    if (this.running < this.max) {
      this.running += 1;
      return Promise.resolve(this.permit(since));
    }
    return new Promise((grant) => {
      const queue = this.lanes.get(lane) ?? [];
      queue.push({ since, grant });
      this.lanes.set(lane, queue);
      this.waitingCount += 1;
      this.peakWaiting = Math.max(this.peakWaiting, this.waitingCount);
    });
  }

  /** The longest-waiting cold start of the next lane after the last one served that has one. */
  private next(): { since: number; grant: (permit: ColdStartPermit) => void } | undefined {
    const names = [...this.lanes.keys()];
    if (names.length === 0) return undefined;
    const after = this.lastLane === undefined ? -1 : names.indexOf(this.lastLane);
    for (let step = 1; step <= names.length; step += 1) {
      const name = names[(after + step) % names.length] as string;
      const queue = this.lanes.get(name);
      const waiter = queue?.shift();
      if (!waiter) continue;
      this.lastLane = name;
      this.waitingCount -= 1;
      return waiter;
    }
    return undefined;
  }

  private permit(since: number): ColdStartPermit {
    this.granted += 1;
    let released = false;
    return {
      waitedMs: this.now() - since,
      release: () => {
        if (released) return;
        released = true;
        const next = this.next();
        // The freed place goes straight to the next lane's longest waiting cold start.
        if (next) next.grant(this.permit(next.since));
        else this.running -= 1;
      },
    };
  }
}
