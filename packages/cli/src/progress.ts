import { SingleBar } from 'cli-progress';
import { createSpinner } from 'nanospinner';
import type { CliIo } from './context';

/**
 * A spinner on a terminal (nanospinner, on stderr); elsewhere (a pipe, a log, CI) one line
 * when it starts and one when it ends, so that logs stay readable.
 */
export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
}

/** A terminal that can be drawn on (a pseudo-terminal without a size reports 0 columns). */
const drawable = (io: CliIo): boolean => io.stderr.isTTY === true && (io.stderr.columns ?? 0) > 0;

export function startSpinner(io: CliIo, text: string): Spinner {
  if (drawable(io)) {
    const spinner = createSpinner(text, { stream: io.stderr as NodeJS.WriteStream }).start();
    return {
      update: (t) => void spinner.update({ text: t }),
      succeed: (t) => void spinner.success({ text: t }),
      fail: (t) => void spinner.error({ text: t }),
    };
  }
  io.stderr.write(`… ${text}\n`);
  let last = text;
  return {
    update: (t) => {
      if (t !== last) io.stderr.write(`… ${t}\n`);
      last = t;
    },
    succeed: (t) => void io.stderr.write(`✔ ${t}\n`),
    fail: (t) => void io.stderr.write(`✖ ${t}\n`),
  };
}

/** Counts of final statuses while an import's edits propagate. */
export interface PropagationCounts {
  APPLIED: number;
  REJECTED: number;
  FAILED: number;
  other: number;
}

/**
 * A progress bar of edits with a final status (cli-progress, on stderr) on a terminal; elsewhere
 * a line at every tenth of the way.
 */
export interface ProgressBar {
  tick(counts: PropagationCounts): void;
  stop(): void;
}

export function startProgressBar(io: CliIo, total: number): ProgressBar {
  const done = (c: PropagationCounts) => c.APPLIED + c.REJECTED + c.FAILED + c.other;
  if (drawable(io)) {
    const bar = new SingleBar({
      stream: io.stderr,
      format:
        'propagating [{bar}] {value}/{total} | APPLIED {applied}  REJECTED {rejected}  FAILED {failed} | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: false,
    });
    bar.start(total, 0, { applied: 0, rejected: 0, failed: 0 });
    return {
      tick: (c) => bar.update(done(c), { applied: c.APPLIED, rejected: c.REJECTED, failed: c.FAILED }),
      stop: () => bar.stop(),
    };
  }
  let reported = 0;
  io.stderr.write(`propagating ${total} edit(s)\n`);
  return {
    tick: (c) => {
      const step = Math.floor((done(c) / Math.max(total, 1)) * 10);
      if (step > reported) {
        reported = step;
        io.stderr.write(
          `propagating: ${done(c)}/${total} (APPLIED ${c.APPLIED}, REJECTED ${c.REJECTED}, FAILED ${c.FAILED})\n`,
        );
      }
    },
    stop: () => undefined,
  };
}
