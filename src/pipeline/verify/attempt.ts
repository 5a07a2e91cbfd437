import { result } from './finding.js';
import type { Described } from './format.js';

/**
 * Runs `f`; when it throws, pushes a failed `check` (reason 'cannot-run', measured the
 * message) onto `checks` and resolves undefined: an artifact that cannot run is a finding,
 * not an abort of the other checks.
 */
export async function attempt<T>(checks: Described[], check: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    const why = (e as Error).message;
    checks.push({ result: result(check, [{ check, ok: false, subject: '', reason: 'cannot-run', measured: why }]), describe: () => `could not run: ${why}` });
    return undefined;
  }
}
