/** Internal invariant checks. Bad *input* is a PosePortError; these guard our own logic. */

export class InternalError extends Error {
  constructor(message: string) {
    super(`internal error: ${message}`);
    this.name = 'InternalError';
  }
}

/** Asserts an internal invariant; the message is built only when it fails. */
export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new InternalError(message());
}

/** Exhaustiveness check for discriminated unions: `default: return assertNever(x)`. */
export function assertNever(x: never): never {
  throw new InternalError(`unexpected variant ${JSON.stringify(x)}`);
}
