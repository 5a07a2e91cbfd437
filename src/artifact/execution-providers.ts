/**
 * onnxruntime-node execution providers (`--execution-provider` of run / eval / verify):
 * which ones this onnxruntime build has, and a clear error when a requested one is not
 * there or cannot start. onnxruntime-node 1.30's `listSupportedBackends()` names the
 * providers compiled into its binding; `bundled: false` ones (cuda, tensorrt) also need
 * their provider library and the CUDA/TensorRT libraries at run time (onnxruntime-node's
 * install script fetches them unless ONNXRUNTIME_NODE_INSTALL=skip).
 */
import { PosePortError } from '../core/errors.js';
import { DATA_TYPE, onnx } from '../emit/onnx/proto.js';

export interface ProviderInfo {
  name: string;
  /** shipped inside the npm package; false: needs libraries installed separately */
  bundled: boolean;
}

type Ort = typeof import('onnxruntime-node');

/** The providers compiled into this onnxruntime-node build. */
export async function listExecutionProviders(ort?: Ort): Promise<ProviderInfo[]> {
  const o = ort ?? (await import('onnxruntime-node'));
  return o.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

function describe(list: readonly ProviderInfo[]): string {
  return list.map((p) => (p.bundled ? p.name : `${p.name} (needs its libraries installed)`)).join(', ');
}

/**
 * Checks and normalises the requested providers (lower case, in order, no repeats):
 * EXECUTION_PROVIDER naming what this build has when one is not in it.
 */
export async function checkExecutionProviders(requested: readonly string[], ort?: Ort): Promise<string[]> {
  const have = await listExecutionProviders(ort);
  const out: string[] = [];
  for (const raw of requested) {
    const name = raw.trim().toLowerCase();
    if (name === '') throw new PosePortError('EXECUTION_PROVIDER', `empty execution provider name (this onnxruntime-node build has: ${describe(have)})`);
    if (!have.some((p) => p.name === name))
      throw new PosePortError('EXECUTION_PROVIDER', `execution provider '${raw}' is not in this onnxruntime-node build (it has: ${describe(have)})`, {
        details: { requested: raw, available: have },
      });
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) throw new PosePortError('EXECUTION_PROVIDER', `no execution provider given (this onnxruntime-node build has: ${describe(have)})`);
  return out;
}

/** The smallest valid ONNX model (Y = Identity(X), float [1]), to try a provider without the user's model. */
function probeModel(): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: DATA_TYPE.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } });
  const graph = { name: 'probe', node: [{ opType: 'Identity', input: ['X'], output: ['Y'], name: 'id' }], input: [vi('X')], output: [vi('Y')] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'pose-port', graph })).finish();
}

/** null when a session on `provider` alone can be created here, else onnxruntime's reason (first line). */
async function startFailure(ort: Ort, provider: string): Promise<string | null> {
  try {
    const s = await ort.InferenceSession.create(probeModel(), { executionProviders: [provider], logSeverityLevel: 4 });
    await s.release();
    return null;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

/**
 * The providers to create sessions with: `requested` checked against this build
 * (checkExecutionProviders) and each one started once on a one-node model, so that a
 * provider whose libraries or device are missing is reported before any work, as
 * EXECUTION_PROVIDER with onnxruntime's reason and the providers that do start here.
 * onnxruntime adds its CPU provider for nodes the requested ones lack, as it always does.
 */
export async function resolveExecutionProviders(requested: readonly string[]): Promise<string[]> {
  const ort = await import('onnxruntime-node');
  const providers = await checkExecutionProviders(requested, ort);
  const have = await listExecutionProviders(ort);
  for (const p of providers) {
    const reason = await startFailure(ort, p);
    if (reason === null) continue;
    const working: string[] = [];
    for (const h of have) if (h.name !== p && (await startFailure(ort, h.name)) === null) working.push(h.name);
    throw new PosePortError(
      'EXECUTION_PROVIDER',
      `execution provider '${p}' is in this onnxruntime-node build but cannot start here: ${reason} (this build has: ${describe(have)}; starting here: ${working.join(', ') || 'none'})`,
      { details: { provider: p, reason, available: have, starting: working } },
    );
  }
  return providers;
}
