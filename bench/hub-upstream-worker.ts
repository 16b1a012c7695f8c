/**
 * The worker thread the latency-only upstream of bench:hub runs in (see startLatencyOnlyUpstream):
 * serves the calls, and answers the bench's requests about its state.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  LatencyOnlyState,
  serveLatencyOnly,
  type WorkerData,
  type WorkerMessage,
  type WorkerRequest,
} from './hub-upstream';

const port = parentPort;
if (!port) throw new Error('bench/hub-upstream-worker.ts runs as a worker thread');
const { latency, ...settings } = workerData as WorkerData;
const state = new LatencyOnlyState(settings);
const send = (message: WorkerMessage) => port.postMessage(message);

serveLatencyOnly(state, latency).then(
  (server) => {
    port.on('message', (request: WorkerRequest) => {
      const answer = async (): Promise<unknown> => {
        switch (request.op) {
          case 'putItems':
            for (const item of request.items) state.putItem(item);
            return undefined;
          case 'calls':
            return server.calls();
          case 'clearCalls':
            return server.clearCalls();
          case 'countDelivered':
            return state.countDelivered(request.checks);
          case 'stop':
            return server.stop();
        }
      };
      answer().then(
        (result) => send({ id: request.id, result }),
        (error: unknown) => send({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
      );
    });
    send({ ready: server.endpoint });
  },
  (error: unknown) => send({ startFailed: error instanceof Error ? error.message : String(error) }),
);
