/**
 * A checkpoint's state_dict as a TensorSet for parity tests. Uses pose-port's own
 * reader (`openCheckpoint` from src/pth) when it is present; until it lands, a
 * test-only PyTorch dump (torch.load -> raw little-endian bytes + an index), cached
 * next to the checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DType } from '../../src/core/dtype.js';
import { numelOf, tensorSetOf, type TensorEntry, type TensorSet } from '../../src/core/tensor.js';
import { ROOT, runPython } from './ckpt.js';

const PTH_INDEX = join(ROOT, 'src', 'pth', 'index.ts');

const DUMP = String.raw`
import json, sys, torch
src, out = sys.argv[1], sys.argv[2]
obj = torch.load(src, map_location='cpu')
sd = obj['state_dict'] if isinstance(obj, dict) and 'state_dict' in obj else obj
index, off = [], 0
with open(out + '.bin', 'wb') as f:
    for k, v in sd.items():
        k = k[7:] if k.startswith('module.') else k
        b = v.detach().contiguous().numpy().tobytes()
        index.append([k, list(v.shape), str(v.dtype).replace('torch.', ''), off, len(b)])
        f.write(b)
        off += len(b)
with open(out + '.json', 'w') as f:
    json.dump(index, f)
`;

function viaPython(path: string): TensorSet {
  const base = `${path}.dump`;
  if (!existsSync(`${base}.json`)) {
    mkdirSync(join(base, '..'), { recursive: true });
    const tmp = `${base}.tmp${process.pid}`;
    runPython(DUMP, [path, tmp]);
    renameSync(`${tmp}.bin`, `${base}.bin`);
    renameSync(`${tmp}.json`, `${base}.json`);
  }
  const index = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as [string, number[], string, number, number][];
  const bytes = readFileSync(`${base}.bin`);
  const entries: TensorEntry[] = index.map(([name, shape, dtype, off, len]) => ({
    name,
    dtype: dtype as DType,
    shape,
    numel: numelOf(shape),
    data() {
      const b = bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + len);
      if (dtype === 'float32') return new Float32Array(b) as never;
      if (dtype === 'int64') return new BigInt64Array(b) as never;
      throw new Error(`test dump: dtype ${dtype} of '${name}' not handled`);
    },
  }));
  return tensorSetOf(entries);
}

/** The state_dict of the .pth at `path`. */
export async function checkpointTensors(path: string): Promise<{ tensors: TensorSet; reader: 'pose-port' | 'python' }> {
  if (existsSync(PTH_INDEX)) {
    const mod = (await import(pathToFileURL(PTH_INDEX).href)) as Record<string, unknown>;
    if (typeof mod.openCheckpoint === 'function') {
      const ck = await (mod.openCheckpoint as (p: string) => unknown)(path);
      const tensors = (ck as { tensors?: TensorSet }).tensors ?? (ck as TensorSet);
      return { tensors, reader: 'pose-port' };
    }
  }
  return { tensors: viaPython(path), reader: 'python' };
}

