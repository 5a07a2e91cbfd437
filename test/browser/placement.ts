/** onnxruntime-web's node placement as createOrtSession 'report' returns it (demo/backends.js). */
export interface Placement {
  nodes: Record<string, { op: string; name: string }[]>;
  counts: Record<string, number>;
}

/**
 * The nodes placed on the CPU EP as sorted `op name` strings, so that a test that requires
 * none names the ones that fell back.
 */
export function cpuNodesOf(placement: Pick<Placement, 'nodes'>): string[] {
  return (placement.nodes.CPUExecutionProvider ?? []).map((n) => `${n.op} ${n.name}`).sort();
}
