/** Runs a serialized ONNX model in onnxruntime-node (CPU) on one float32 input. */
import * as ort from 'onnxruntime-node';

export interface OrtOutput {
  data: Float32Array;
  dims: number[];
}

/** `optimize` turns onnxruntime's graph optimizations on (off by default: run the graph as written). */
export async function runOrt(
  model: Uint8Array,
  input: Float32Array,
  shape: readonly number[],
  inputName = 'input',
  optimize = false,
): Promise<Map<string, OrtOutput>> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: optimize ? 'all' : 'disabled' });
  try {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [...shape]) });
    return new Map(
      Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: [...t.dims].map(Number) }]),
    );
  } finally {
    await session.release();
  }
}
