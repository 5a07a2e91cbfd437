import type { ExecutionContext } from 'ava';
import { isPosePortError, type PosePortError } from '../../src/core/errors.js';

/**
 * The one error expectation of the tests: runs `fn`, which must throw a PosePortError
 * (with `code` when given, asserted with the message shown); returns it for further
 * assertions. Anything else thrown is rethrown; nothing thrown fails the test.
 */
export function expectPoseError(t: ExecutionContext, fn: () => unknown, code?: PosePortError['code']): PosePortError {
  try {
    fn();
  } catch (e) {
    if (!isPosePortError(e)) throw e;
    if (code !== undefined) t.is(e.code, code, e.message);
    return e;
  }
  t.fail(`expected a PosePortError${code ? ` ${code}` : ''}, nothing was thrown`);
  throw new Error(`expected a PosePortError${code ? ` ${code}` : ''}, nothing was thrown`);
}

/** expectPoseError for a promise: it must reject with a PosePortError (with `code` when given); returns it. */
export async function expectPoseRejection(t: ExecutionContext, p: Promise<unknown>, code?: PosePortError['code']): Promise<PosePortError> {
  try {
    await p;
  } catch (e) {
    if (!isPosePortError(e)) throw e;
    if (code !== undefined) t.is(e.code, code, e.message);
    return e;
  }
  t.fail(`expected a rejection with a PosePortError${code ? ` ${code}` : ''}, the promise resolved`);
  throw new Error(`expected a rejection with a PosePortError${code ? ` ${code}` : ''}, the promise resolved`);
}
