/**
 * Starts moto and the front door in front of it, for scripts and by hand:
 *
 *   node --import tsx packages/aws-emulator/src/cli/start-front-door.ts [--port N] [--moto-log FILE]
 *
 * Prints one line of JSON on stdout once both answer:
 *   {"endpoint":"http://127.0.0.1:PORT","motoEndpoint":"http://127.0.0.1:PORT","pid":1234}
 * and runs until SIGTERM or SIGINT, or until its stdin closes when stdin is a pipe (so a parent
 * that dies takes it down); then stops both and exits 0.
 */
import { fstatSync } from 'node:fs';
import { startFrontDoor, type FrontDoor } from '../front-door';
import { startMotoServer, type MotoServer } from '../moto-server';

interface Arguments {
  port?: number;
  motoLog?: string;
}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--port' && value !== undefined && /^\d+$/.test(value)) {
      parsed.port = Number(value);
      i++;
    } else if (flag === '--moto-log' && value !== undefined) {
      parsed.motoLog = value;
      i++;
    } else {
      throw new Error(
        `start-front-door: unknown or incomplete argument ${flag ?? ''}; usage: [--port N] [--moto-log FILE]`,
      );
    }
  }
  return parsed;
}

/** True when stdin is a pipe or socket (not a terminal, file or /dev/null). */
function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  let moto: MotoServer | undefined;
  let door: FrontDoor | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      process.stderr.write(`start-front-door: stopping (${why})\n`);
      await door?.stop();
      await moto?.stop();
    })();
    return stopping;
  };
  const stopAndExit = (why: string): void => {
    stop(why).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('start-front-door: stopping failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stopAndExit('SIGTERM'));
  process.once('SIGINT', () => stopAndExit('SIGINT'));
  if (stdinIsPipe()) {
    process.stdin.on('data', () => undefined);
    process.stdin.once('end', () => stopAndExit('stdin closed'));
    process.stdin.once('error', () => stopAndExit('stdin error'));
  }

  try {
    moto = await startMotoServer(args.motoLog === undefined ? {} : { logFile: args.motoLog });
    door = await startFrontDoor({ upstream: moto.endpoint, ...(args.port === undefined ? {} : { port: args.port }) });
  } catch (error) {
    await stop('start failed');
    throw error;
  }
  if (stopping) return;
  process.stdout.write(
    `${JSON.stringify({ endpoint: door.endpoint, motoEndpoint: moto.endpoint, pid: process.pid })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error('start-front-door:', error instanceof Error ? error.message : error);
  process.exit(1);
});
