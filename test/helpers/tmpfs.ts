/**
 * A small tmpfs mounted for one test, to make a real full disk (ENOSPC) or a real
 * read-only file system (EROFS). Mounting needs root (CI runs as root); elsewhere
 * `mountTmpfs` returns the reason the test must be skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

/** Why tmpfs tests cannot run here, or undefined when they can. */
export function tmpfsUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'mounting a tmpfs needs root (CI runs as root)';
  return undefined;
}

/** Mounts a tmpfs of `bytes` (rounded up to pages by the kernel), read-only when asked. */
export function mountTmpfs(bytes: number, opts: { readOnly?: boolean } = {}): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}${opts.readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed (root without CAP_SYS_ADMIN?): ${(e as Error).message}`);
  }
  let mounted = true;
  return {
    dir,
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
