/** writeTfjs (atomic), the 4 MB shard layout, validateTfjsArtifact and loading from disk. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DEFAULT_SHARD_BYTES, emitTfjs, specBytes, validateTfjsArtifact, writeTfjs } from '../../../src/emit/tfjs/index.js';
import { Graph } from '../../../src/ir/graph.js';
import { diff } from '../../helpers/compare.js';
import { loadTfjs, randomData, runTfjs } from './runtime.js';
import { expectPoseError } from '../../helpers/errors.js';

/** ~6.3 MB of float32 weights: two convs 3->256 (3x3) and 256->1500 (1x1)... kept small in compute */
function bigGraph(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 8, 8]);
  const w1 = g.addComputedConstant('a.weight', [256, 3, 3, 3], randomData(256 * 27, 1, -0.2, 0.2), []);
  const w2 = g.addComputedConstant('b.weight', [1536, 256, 2, 2], randomData(1536 * 256 * 4, 2, -0.05, 0.05), []);
  const b2 = g.addComputedConstant('b.bias', [1536], randomData(1536, 3), []);
  let y = g.add('conv', [x, w1], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, { name: 'a' });
  y = g.add('relu', [y], {}, { name: 'a.relu' });
  y = g.add('conv', [y, w2, b2], { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { name: 'b' });
  g.markOutput(y, 'heatmaps');
  return g;
}

function tmp(t: { teardown(f: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'pose-port-tfjs-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test.serial('shards of at most 4 MiB named group1-shardKofN.bin; the written model validates and runs as in memory', async (t) => {
  const art = emitTfjs(bigGraph());
  const total = art.modelJson.weightsManifest[0].weights.reduce((s, w) => s + specBytes(w), 0);
  t.true(total > DEFAULT_SHARD_BYTES, `${total} bytes of weights`);
  const n = Math.ceil(total / DEFAULT_SHARD_BYTES);
  t.deepEqual(art.modelJson.weightsManifest[0].paths, Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`));
  for (const s of art.shards) t.true(s.bytes.byteLength <= DEFAULT_SHARD_BYTES);
  t.is(art.shards.reduce((s, x) => s + x.bytes.byteLength, 0), total);

  const dir = join(tmp(t), 'tfjs');
  writeTfjs(dir, art);
  const v = validateTfjsArtifact(dir);
  t.is(v.weightBytes, total);
  t.is(v.shards.length, n);
  const input = randomData(2 * 8 * 8 * 3, 5);
  const fromMem = await runTfjs(await loadTfjs(art), 'cpu', input, [2, 8, 8, 3]);
  const fromDisk = await runTfjs(await loadTfjs(dir), 'cpu', input, [2, 8, 8, 3]);
  t.deepEqual(fromDisk[0].shape, [2, 4, 4, 1536]);
  t.is(diff(fromDisk[0].data, fromMem[0].data).maxAbs, 0);
});

test.serial('a shard written short is caught with the shard named and the bytes missing', (t) => {
  const art = emitTfjs(bigGraph(), { shardBytes: 1 << 20 });
  const root = tmp(t);
  for (const which of ['first', 'middle', 'last'] as const) {
    const dir = join(root, which);
    writeTfjs(dir, art);
    const paths = art.modelJson.weightsManifest[0].paths;
    const p = which === 'first' ? paths[0] : which === 'middle' ? paths[2] : paths[paths.length - 1];
    const size = statSync(join(dir, p)).size;
    truncateSync(join(dir, p), size - 100);
    const e = expectPoseError(t, () => validateTfjsArtifact(dir));
    t.is(e.code, 'TRUNCATED', which);
    t.true(e.message.includes(`'${p}'`), `${which}: ${e.message}`);
    t.regex(e.message, /100 bytes missing/);
    t.is(e.file, join(dir, p));
  }
  // a missing shard, a corrupt model.json
  const dir = join(root, 'missing');
  writeTfjs(dir, art);
  rmSync(join(dir, art.modelJson.weightsManifest[0].paths[1]));
  t.throws(() => validateTfjsArtifact(dir), { message: /group1-shard2of\d+\.bin' named in model\.json is missing/ });
  writeFileSync(join(dir, 'model.json'), '{"format": "layers-model"}');
  t.throws(() => validateTfjsArtifact(dir), { message: /format is 'layers-model'/ });
});

test.serial('writeTfjs replaces an existing model atomically and leaves no temporary directories', (t) => {
  const root = tmp(t);
  const dir = join(root, 'tfjs');
  writeTfjs(dir, emitTfjs(bigGraph()));
  const before = readdirSync(dir).length;
  writeTfjs(dir, emitTfjs(bigGraph(), { quantize: 'uint8' }));
  t.deepEqual(readdirSync(root), ['tfjs']);
  t.true(readdirSync(dir).length < before, 'the uint8 model has fewer shards and none of the old ones is left');
  t.is(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights[0].quantization.dtype, 'uint8');
  t.notThrows(() => validateTfjsArtifact(dir));
  t.false(existsSync(join(root, 'missing')));
});
