import { EarlierTaskFailedError } from './errors';

/**
 * Runs tasks with at most `maxConcurrency` at once, and tasks of the same key one after the
 * other in the order they were scheduled. When a task fails, the later tasks of its key are not
 * run and fail too: an edit must never be applied after an older edit of the same item failed.
 */
export interface KeyedScheduler {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createKeyedScheduler(maxConcurrency: number): KeyedScheduler {
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
  }
  let running = 0;
  const waiting: (() => void)[] = [];
  const tails = new Map<string, Promise<unknown>>();

  const acquire = (): Promise<void> => {
    if (running < maxConcurrency) {
      running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key);
      const result = (async () => {
        if (previous) {
          try {
            await previous;
          } catch (error) {
            throw error instanceof EarlierTaskFailedError ? error : new EarlierTaskFailedError(key, error);
          }
        }
        await acquire();
        try {
          return await task();
        } finally {
          release();
        }
      })();
      tails.set(key, result);
      // Keep the map small: the last task of a key removes its entry when it settles.
      result.then(
        () => tails.get(key) === result && tails.delete(key),
        () => tails.get(key) === result && tails.delete(key),
      );
      return result;
    },
  };
}
