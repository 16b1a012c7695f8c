import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the runtime notes about itself: a fixed message and its fields. */
export type RuntimeLog = (message: string, fields: Record<string, unknown>) => void;

/** One JSON line per event in `<workDir>/logs/runtime.log`. */
export function runtimeLog(workDir: string): RuntimeLog {
  return (message, fields) => {
    const line = JSON.stringify({ time: new Date().toISOString(), message, ...fields });
    try {
      appendFileSync(join(workDir, 'logs', 'runtime.log'), `${line}\n`);
    } catch {
      // The log is a convenience; the runtime keeps going without it.
    }
  };
}
