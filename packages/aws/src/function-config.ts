/** A schema's safe parse, as zod gives it (structurally: this package does not depend on zod). */
interface SafeParser<T> {
  safeParse(
    input: unknown,
    params?: { jitless?: boolean },
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

/**
 * Reads a function's configuration from its environment once, at cold start. A missing or bad
 * variable fails the function by name: `apply-budget is misconfigured: ALERT_TOPIC_ARN: …`.
 */
export function readFunctionConfig<T>(functionName: string, schema: SafeParser<T>, env: NodeJS.ProcessEnv): T {
  // Parsed once: zod's compiled fast path for an object (new Function, some 0.5-1 ms at a cold
  // start) would never pay for itself. The same checks and messages run either way.
  const result = schema.safeParse(env, { jitless: true });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    throw new Error(`${functionName} is misconfigured: ${problems}`);
  }
  return result.data;
}
