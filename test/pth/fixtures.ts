/** The committed fixtures (fixtures/pth) and checks shared by the fixture and torch tests. */
import type { ExecutionContext } from 'ava';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '../../src/core/dtype.js';
import { PosePortError, type ErrorCode } from '../../src/core/errors.js';
import { tensorSha256 } from '../../src/core/tensor-bytes.js';
import { openCheckpoint, type Checkpoint } from '../../src/pth/index.js';
import { ROOT } from '../helpers/ckpt.js';
import { canon } from './canon.js';
import { expectPoseRejection } from '../helpers/errors.js';

export const FIXTURES = join(ROOT, 'fixtures', 'pth');

export interface TensorDigest {
  name: string;
  dtype: DType;
  shape: number[];
  sha256: string;
}

export interface FixtureCase {
  file: string;
  format: 'zip' | 'legacy';
  protocol?: number;
  error?: { code: ErrorCode; key?: string };
  tensors?: TensorDigest[];
  wrapperKeys?: string[];
  meta?: unknown;
  unsafe?: boolean;
  marker?: string;
}

export function readFixtureManifest(dir = FIXTURES): FixtureCase[] {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FixtureCase[];
}

/** Checks an opened checkpoint against what torch read from the same file. */
export function checkAgainstDigest(
  t: ExecutionContext,
  ckpt: Checkpoint,
  expected: { tensors: TensorDigest[]; wrapperKeys?: string[] | null; meta?: unknown },
): void {
  t.deepEqual(
    ckpt.tensors.entries.map((e) => e.name),
    expected.tensors.map((d) => d.name),
    'tensor names in state_dict order',
  );
  for (const d of expected.tensors) {
    const e = ckpt.tensors.get(d.name);
    if (!e) {
      t.fail(`missing ${d.name}`);
      continue;
    }
    t.is(e.dtype, d.dtype, `${d.name} dtype`);
    t.deepEqual([...e.shape], d.shape, `${d.name} shape`);
    t.is(e.data().length, e.numel, `${d.name} element count`);
    t.is(tensorSha256(e), d.sha256, `${d.name} bytes (sha256 by torch)`);
  }
  if (expected.wrapperKeys !== undefined) t.deepEqual(ckpt.wrapperKeys, expected.wrapperKeys, 'wrapper keys');
  if (expected.meta !== undefined) {
    t.deepEqual(ckpt.meta === null ? null : JSON.parse(JSON.stringify(canon(ckpt.meta))), expected.meta, 'meta');
  }
}

/** Runs one manifest case from `dir`: a correct read, or the expected typed error. */
export async function checkFixture(t: ExecutionContext, c: FixtureCase, dir = FIXTURES): Promise<void> {
  const file = join(dir, c.file);
  if (c.marker) rmSync(c.marker, { force: true });
  if (c.error) {
    const err = await expectPoseRejection(t, openCheckpoint(file));
    if (!err) return;
    const e = err as PosePortError;
    t.is(e.code, c.error.code, e.message);
    if (c.error.key !== undefined) t.is(e.key, c.error.key, e.message);
    t.is(e.file, file);
    t.true(typeof e.offset === 'number' && e.offset >= 0 && e.offset <= readFileSync(file).length, `offset ${e.offset}`);
    if (c.marker) t.false(existsSync(c.marker), 'the refused global did not run');
    return;
  }
  const ckpt = await openCheckpoint(file);
  try {
    t.is(ckpt.format, c.format);
    if (c.protocol !== undefined) t.is(ckpt.protocol, c.protocol);
    t.deepEqual(ckpt.warnings, []);
    checkAgainstDigest(t, ckpt, { tensors: c.tensors ?? [], wrapperKeys: c.wrapperKeys ?? null, meta: c.meta ?? null });
  } finally {
    ckpt.close();
  }
}
