/**
 * The graph an artifact holds: the network itself ('heatmaps'), or the network wrapped
 * in the whole top-down test (src/keypoint-graph) with the settings the model metadata
 * records: one source for both artifacts and for `verify`.
 */
import { PosePortError } from '../core/errors.js';
import type { ModelMetadata } from '../artifact/metadata.js';
import type { EmitTfjsOptions } from '../emit/tfjs/index.js';
import type { Graph } from '../ir/graph.js';
import { buildKeypointGraph, KEYPOINT_GRAPH_IO, type KeypointGraphKind, type KeypointGraphSettings } from '../keypoint-graph/index.js';
import { runPasses } from '../passes/index.js';

export type GraphKind = 'heatmaps' | KeypointGraphKind;
export const GRAPH_KINDS: readonly GraphKind[] = ['heatmaps', 'keypoints', 'crop-keypoints'];

/** The keypoint graph settings of a model's metadata. */
export function keypointSettings(meta: ModelMetadata, heatmapsOutput: boolean): KeypointGraphSettings {
  const d = meta.decode;
  if (d.use_udp) throw new PosePortError('USAGE', `the model uses UDP decoding, which pose-port does not implement`);
  const method = d.method === 'unbiased' ? 'dark' : d.method;
  return {
    inputSize: meta.input.size_hw,
    mean: meta.input.mean,
    std: meta.input.std,
    padding: 1.25,
    flipTest: d.flip_test,
    shiftHeatmap: d.shift_heatmap,
    flipPairs: meta.flip_pairs,
    method,
    kernel: d.modulate_kernel ?? (method === 'megvii' ? 5 : 11),
    heatmapsOutput,
  };
}

/** metadata.graph for an artifact of `kind` */
export function graphMetadata(kind: GraphKind, heatmapsOutput: boolean): NonNullable<ModelMetadata['graph']> {
  if (kind === 'heatmaps') return { kind, inputs: ['input'], outputs: ['heatmaps'] };
  const io = KEYPOINT_GRAPH_IO[kind];
  return { kind, inputs: [...io.inputs], outputs: [...io.outputs, ...(heatmapsOutput ? ['heatmaps'] : [])] };
}

/**
 * The layouts of the TF.js emission for `kind`: a heatmap graph takes NHWC and returns
 * NHWC; a keypoint graph keeps its declared inputs and returns NCHW heatmaps, as in
 * model.onnx (the I/O contract). convert and verify's weight re-derivation both emit with these.
 */
export function tfjsLayouts(kind: GraphKind): Pick<EmitTfjsOptions, 'inputLayout' | 'outputLayout'> {
  return kind === 'heatmaps' ? {} : { inputLayout: 'as-declared', outputLayout: 'NCHW' };
}

/** The graph kind an artifact's metadata records ('heatmaps' for artifacts written before keypoint graphs). */
export function graphKindOf(meta: ModelMetadata): GraphKind {
  return meta.graph?.kind ?? 'heatmaps';
}

/** Whether the artifact's metadata lists the optional 'heatmaps' output of a keypoint graph. */
export function hasHeatmapsOutput(meta: ModelMetadata): boolean {
  return graphKindOf(meta) !== 'heatmaps' && (meta.graph?.outputs.includes('heatmaps') ?? false);
}

/**
 * Wraps the (optimised, verified) network graph for `kind`, in place; dead network
 * outputs are removed and the result is verified.
 */
export function artifactGraph(network: Graph, kind: GraphKind, meta: ModelMetadata, heatmapsOutput: boolean): Graph {
  if (kind === 'heatmaps') return network;
  const g = buildKeypointGraph(network, kind, keypointSettings(meta, heatmapsOutput));
  return runPasses(g, ['dead-code'], { verify: true }).graph;
}
