/**
 * Real torch-written checkpoints for tests: runs ../shared/bin/makeckpt.py with
 * Debian's PyTorch (/usr/bin/python3) and caches the result under .cache/ckpt.
 * In CI PyTorch is installed by .ci/run, so these tests run there; without torch
 * `hasTorch()` is false and callers must fail, not skip, when process.env.CI is set.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this file with pose-port's package.json (works from test/ and dist/test/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'pose-port') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('pose-port package root not found');
    dir = up;
  }
}

export const ROOT = findRoot();
export const SHARED = process.env.POSE_PORT_SHARED ?? resolve(ROOT, '..', 'shared');
export const MANIFESTS = join(SHARED, 'zoo', 'manifests');
export const REFERENCES = join(SHARED, 'zoo', 'reference');
export const CACHE = join(ROOT, '.cache', 'ckpt');
export const PYTHON = process.env.POSE_PORT_PYTHON ?? '/usr/bin/python3';

let torchAvailable: boolean | undefined;
export function hasTorch(): boolean {
  if (torchAvailable === undefined) {
    const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    torchAvailable = r.status === 0;
  }
  return torchAvailable;
}

/** Throws when torch is required (CI) but missing; returns false to skip locally. */
export function requireTorch(): boolean {
  if (hasTorch()) return true;
  if (process.env.CI) throw new Error(`PyTorch is required in CI (${PYTHON} -c 'import torch' failed)`);
  return false;
}

export interface MakeOptions {
  legacy?: boolean;
  seed?: number;
  meta?: boolean;
}

export function manifestPath(model: string): string {
  return join(MANIFESTS, `${model}.json`);
}

export function readManifest(model: string): any {
  return JSON.parse(readFileSync(manifestPath(model), 'utf8'));
}

export function listManifests(): string[] {
  return execFileSync('ls', [MANIFESTS], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
}

/** Path of a makeckpt.py checkpoint for `model` (cached). */
export function makeCheckpoint(model: string, opts: MakeOptions = {}): string {
  const seed = opts.seed ?? 0;
  const tag = `${model}-s${seed}-${opts.legacy ? 'legacy' : 'zip'}${opts.meta ? '-meta' : ''}`;
  const out = join(CACHE, `${tag}.pth`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  // torch names the zip's folder after the file name: write under the final name in a private dir
  const tmpDir = join(CACHE, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${tag}.pth`);
  const args = [join(SHARED, 'bin', 'makeckpt.py'), manifestPath(model), tmp, '--seed', String(seed)];
  if (opts.legacy) args.push('--legacy');
  if (opts.meta) args.push('--meta');
  try {
    execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(tmp, out);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return out;
}

/** Runs a python snippet with torch (for tests writing their own tricky checkpoints). */
export function runPython(code: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}
