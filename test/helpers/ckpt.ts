/**
 * Real torch-written checkpoints for tests: runs the project's writer
 * scripts/make-checkpoint.py (its docstring states the weight recipe and options) with
 * Debian's PyTorch (/usr/bin/python3) and caches the result under .cache/ckpt.
 * In CI PyTorch is installed by .ci/run, so these tests run there; without torch
 * `hasTorch()` is false and callers must fail, not skip, when process.env.CI is set.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFESTS, readDataJson, ROOT } from './data.js';
import type { FamilyName } from '../../src/arch/family.js';

export { MANIFESTS, REFERENCES, ROOT } from './data.js';
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

export const CHECKPOINT_WRITER = join(ROOT, 'scripts', 'make-checkpoint.py');

/** A numpy array in `metaJson` (the writer's `--meta-json` marker). */
export function ndarray(values: unknown[], dtype: string): object {
  return { __ndarray__: values, dtype };
}
/** A numpy scalar in `metaJson`, e.g. numpyScalar(0.5, 'float64'). */
export function numpyScalar(value: number, dtype: string): object {
  return { __numpy__: value, dtype };
}

export interface MakeOptions {
  /** legacy (pre-1.6) container instead of zip */
  legacy?: boolean;
  /** RandomState seed of the weights (default 0: the weights the references were computed on) */
  seed?: number;
  /** `{meta, state_dict}` with a published MMPose 0.x style meta */
  meta?: boolean;
  /** `{meta, state_dict}` with this object as meta, verbatim (markers: ndarray(), numpyScalar(), {__tuple__: [...]}, {__dict__: [[k, v], ...]}) */
  metaJson?: object;
  /** config text embedded as meta.config (MMPose 0.x style); implies `meta` unless `metaJson` is given */
  configText?: string;
  /** [from_prefix, to_prefix] renames of state_dict keys after the values are drawn (e.g. MMPose 1.x `keypoint_head.` -> `head.`) */
  keyMap?: [string, string][];
}

/** test/data/manifests/<model>.json.gz (the writer reads the gzip form too). */
export function manifestPath(model: string): string {
  return join(MANIFESTS, `${model}.json.gz`);
}

export function readManifest(model: string): any {
  return readDataJson(manifestPath(model));
}

/** [height, width] of a manifest's network input (`image_size` is [w, h]). */
export function inputSizeOf(model: string): [number, number] {
  const [w, h] = readManifest(model).image_size as [number, number];
  return [h, w];
}

/** The manifests of one family's zoo rows, sorted. */
export function manifestsOf(family: FamilyName): string[] {
  return listManifests().filter((m) => readManifest(m).family === family);
}

export function listManifests(): string[] {
  return readdirSync(MANIFESTS)
    .filter((f) => f.endsWith('.json.gz'))
    .map((f) => f.slice(0, -'.json.gz'.length))
    .sort();
}

/** Path of a scripts/make-checkpoint.py checkpoint of zoo row `model` (cached by its options). */
export function makeCheckpoint(model: string, opts: MakeOptions = {}): string {
  const seed = opts.seed ?? 0;
  const extras = { metaJson: opts.metaJson, configText: opts.configText, keyMap: opts.keyMap };
  const hasExtras = Object.values(extras).some((v) => v !== undefined);
  const extrasTag = hasExtras ? `-x${createHash('sha256').update(JSON.stringify(extras)).digest('hex').slice(0, 12)}` : '';
  const tag = `${model}-s${seed}-${opts.legacy ? 'legacy' : 'zip'}${opts.meta ? '-meta' : ''}${extrasTag}`;
  return cachedCheckpoint(tag, (tmp, tmpDir) => {
    const args = [CHECKPOINT_WRITER, manifestPath(model), tmp, '--seed', String(seed)];
    if (opts.legacy) args.push('--legacy');
    if (opts.meta) args.push('--meta');
    const optionFile = (flag: string, name: string, text: string | undefined): void => {
      if (text === undefined) return;
      const file = join(tmpDir, name);
      writeFileSync(file, text);
      args.push(flag, file);
    };
    optionFile('--meta-json', 'meta.json', opts.metaJson === undefined ? undefined : JSON.stringify(opts.metaJson));
    optionFile('--config-text', 'config.py', opts.configText);
    optionFile('--key-map', 'key-map.json', opts.keyMap === undefined ? undefined : JSON.stringify(opts.keyMap));
    return args;
  });
}

/**
 * `.cache/ckpt/<tag>.pth`, written once by running PYTHON with `args(tmp, tmpDir)` (a
 * script that saves the checkpoint to `tmp`): torch names the zip's folder after the
 * file name, so it is written under the final name in a private folder, then moved.
 */
export function cachedCheckpoint(tag: string, args: (tmp: string, tmpDir: string) => string[]): string {
  const out = join(CACHE, `${tag}.pth`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmpDir = join(CACHE, `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${tag}.pth`);
  try {
    execFileSync(PYTHON, args(tmp, tmpDir), { stdio: ['ignore', 'ignore', 'inherit'] });
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
