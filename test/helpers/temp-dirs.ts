/** Temporary folders for one test file, removed after all its tests (passed or failed). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

/** Returns a function that makes a fresh folder named `pose-port-<tag>-*` each call. */
export function tempDirs(tag: string): () => string {
  const dirs: string[] = [];
  test.after.always(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), `pose-port-${tag}-`));
    dirs.push(d);
    return d;
  };
}
