/**
 * The backend checks of demo/backends.js catch a fallback instead of letting it pass:
 * - onnxruntime-web webgpu on a graph with a node the WebGPU EP has no kernel for (Det):
 *   onnxruntime would place it on the CPU EP with only a log warning; createOrtSession
 *   refuses the session. The same model without the check does create a session, so the
 *   refusal is the check's doing.
 * - TF.js webgpu and onnxruntime-web webgpu in a chromium without a WebGPU adapter
 *   (no --enable-unsafe-webgpu): both throw rather than computing elsewhere.
 */
import test from 'ava';
import { onnx } from '../../src/emit/onnx/proto.js';
import { chromiumPresent } from './chromium.js';
import { openHarness } from './harness.js';

/** Y = Det(X), X float [2, 2]: an op onnxruntime's CPU EP has and its WebGPU EP lacks */
function detModel(): Uint8Array {
  const vi = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const m = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'pose-port-test',
    graph: { name: 'det', node: [{ opType: 'Det', input: ['X'], output: ['Y'], name: 'det' }], input: [vi('X', [2, 2])], output: [vi('Y', [])] },
  });
  return onnx.ModelProto.encode(m).finish();
}

type Outcome = { ok: true; facts?: unknown } | { ok: false; error: string };

test.serial('onnxruntime-web webgpu refuses a graph that would put a node on the CPU EP', async (t) => {
  if (!chromiumPresent(t)) return;
  const h = await openHarness(t, { gpu: true });
  const url = h.put('det.onnx', detModel());
  const p = await h.page();
  const [checked, unchecked] = await p.page.evaluate(async (u): Promise<Outcome[]> => {
    const { createOrtSession } = await import('/demo/backends.js' as string);
    const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
    const out: Outcome[] = [];
    try {
      const { session, facts } = await createOrtSession(bytes, 'webgpu', { wasmPaths: '/node_modules/onnxruntime-web/dist/' });
      await session.release();
      out.push({ ok: true, facts });
    } catch (e) {
      out.push({ ok: false, error: String(e) });
    }
    const ort = (window as unknown as { ort: any }).ort;
    try {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
      const r = await session.run({ X: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
      out.push({ ok: true, facts: { det: Array.from(r.Y.data) } });
      await session.release();
    } catch (e) {
      out.push({ ok: false, error: String(e) });
    }
    return out;
  }, url);
  t.log(`with the check: ${JSON.stringify(checked)}`);
  t.log(`without it: ${JSON.stringify(unchecked)}`);
  t.false(checked.ok, 'the checked session must be refused');
  if (!checked.ok) t.regex(checked.error, /CPU|fallback/i);
  t.true(unchecked.ok, 'without the check onnxruntime-web silently runs Det on the CPU EP');
});

test.serial('TF.js and onnxruntime-web webgpu throw where chromium has no WebGPU adapter', async (t) => {
  if (!chromiumPresent(t)) return;
  const h = await openHarness(t, { gpu: false });
  const url = h.put('det.onnx', detModel());
  const p = await h.page();
  const [tfjs, ortWebgpu] = await p.page.evaluate(async (u): Promise<Outcome[]> => {
    const { createOrtSession, useTfjsBackend } = await import('/demo/backends.js' as string);
    const out: Outcome[] = [];
    try {
      out.push({ ok: true, facts: await useTfjsBackend('webgpu') });
    } catch (e) {
      out.push({ ok: false, error: String(e) });
    }
    try {
      const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
      const { facts } = await createOrtSession(bytes, 'webgpu', { wasmPaths: '/node_modules/onnxruntime-web/dist/' });
      out.push({ ok: true, facts });
    } catch (e) {
      out.push({ ok: false, error: String(e) });
    }
    return out;
  }, url);
  t.log(`TF.js: ${JSON.stringify(tfjs)}; onnxruntime-web: ${JSON.stringify(ortWebgpu)}`);
  t.false(tfjs.ok, 'TF.js webgpu without an adapter');
  t.false(ortWebgpu.ok, 'onnxruntime-web webgpu without an adapter');
});
