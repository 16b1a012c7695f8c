/**
 * Clients and commands a function only needs on a rare path (an alert, a notice, a follow-up
 * check), imported when first used rather than at the cold start: every SDK client's module
 * registers its schemas and error classes when it loads (10–25% of a one-client bundle's load
 * each, docs/bundles.md). The bundles are esbuild CommonJS, where `await import('./x')` becomes a
 * wrapper that runs the module's top level on its first call.
 */

/**
 * `load`, run on the first call; every call gets its one promise, a rejection included: a module
 * that failed to load fails every use that needs it, loudly, as it failed the cold start before
 * (esbuild's wrapper, called again, would hand back the half-initialised module instead).
 */
export function onFirstCall<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= (async () => load())());
}

/** The part of an SDK v3 client the adapters use: `send(command)`, the promise form. */
export interface CommandSender {
  send(command: never): Promise<unknown>;
}

/**
 * A client whose module is imported and which is created when its first command is sent
 * (`create` runs once; a failure to load or create fails that send and every later one).
 */
export function lazyClient<C extends CommandSender>(create: () => Promise<C>): Pick<C, 'send'> {
  const client = onFirstCall(create);
  // The SDK's send also takes options or a callback; the adapters use `send(command)` only.
  const send = async (command: never): Promise<unknown> => (await client()).send(command);
  return { send };
}
