/**
 * The nodes of a keypoint graph ('keypoints') that onnxruntime-web 1.30 places on its CPU
 * EP beside the WebGPU EP, as `op name`: Shape's output lives on the CPU, and onnxruntime
 * runs what reads only CPU tensors and small constants there too (GetCpuPreferredNodes in
 * onnxruntime/core/framework/fallback_cpu_capability.cc). They are the image's height and
 * width as scalars; every per-pixel and per-box node runs on WebGPU. The browser tests
 * compare the placement with this list, so a node that falls back to the CPU EP fails by name.
 */
export const KEYPOINT_GRAPH_CPU_NODES: readonly string[] = [
  'Shape crop/image_shape',
  'Gather crop/H',
  'Gather crop/W',
  'Cast crop/H_float',
  'Cast crop/W_float',
  'Cast crop/row_stride',
];

/** The CPU-placed nodes of a createOrtSession 'report' placement as sorted `op name` strings. */
export function cpuNodesOf(placement: { nodes: Record<string, { op: string; name: string }[]> }): string[] {
  return (placement.nodes.CPUExecutionProvider ?? []).map((n) => `${n.op} ${n.name}`).sort();
}
