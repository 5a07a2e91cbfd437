import { familyByName } from '../../arch/index.js';
import { deepEqualJson } from '../../core/json-equal.js';
import type { Graph } from '../../ir/graph.js';
import { runPasses } from '../../passes/index.js';
import { artifactGraph, graphKindOf, hasHeatmapsOutput } from '../keypoint-artifact.js';
import { inStoredKeys, type ModelCheckpoint } from '../checkpoint.js';
import { resolveArchitecture } from '../architecture.js';
import type { ConvertReport } from '../convert-report.js';
import { result, type Finding } from './finding.js';
import type { Described } from './format.js';

export type Detection = ReturnType<typeof resolveArchitecture>;

/** The network graph convert built from `ckpt` (recorded family, config, size and passes); verified. */
export function rebuildNetwork(ckpt: ModelCheckpoint, report: ConvertReport, detection: Detection, allOutputs: boolean): Graph {
  const built = inStoredKeys(ckpt, () => familyByName(detection.family).build(ckpt.tensors, detection.config, { inputSize: report.input_size_hw, allOutputs }));
  return runPasses(
    built.graph,
    report.passes.map((p) => p.name),
    { verify: true },
  ).graph;
}

/**
 * architecture: the checkpoint's keys give the recorded family and config; the graph is
 * then rebuilt as convert did (recorded size, outputs and passes; wrapped in the keypoint
 * graph the metadata records, for a keypoint artifact). One finding per field
 * that differs (subject 'family' or the config key, measured the checkpoint's value, bound
 * the report's); no graph when any differs.
 */
export function rebuildCheck(ckpt: ModelCheckpoint, report: ConvertReport, allOutputs: boolean): { check: Described; graph?: Graph; detection: Detection } {
  const detection = inStoredKeys(ckpt, () => resolveArchitecture(ckpt, undefined, undefined));
  const findings: Finding[] = [];
  const differs = (subject: string, got: unknown, want: unknown): Finding => ({
    check: 'architecture',
    ok: false,
    subject: '',
    reason: 'differs',
    detail: { field: subject, got: JSON.stringify(got) ?? '(none)', want: JSON.stringify(want) ?? '(none)' },
  });
  // the family alone when it differs (names unquoted), else every config key that differs
  if (detection.family !== report.family) findings.push({ ...differs('family', detection.family, report.family), detail: { field: 'family', got: detection.family, want: report.family } });
  else if (!deepEqualJson(detection.config, report.config)) {
    const got = detection.config as Record<string, unknown>;
    const want = (report.config ?? {}) as Record<string, unknown>;
    for (const k of new Set([...Object.keys(got), ...Object.keys(want)])) if (!deepEqualJson(got[k], want[k])) findings.push(differs(k, got[k], want[k]));
  }
  if (findings.length) {
    const fields = findings.map((f) => `${f.detail!.field} ${f.detail!.got} (report: ${f.detail!.want})`);
    const said = fields.join(', ');
    return {
      check: { result: result('architecture', findings), describe: () => `the checkpoint's keys say ${said}: the artifacts cannot come from it; weights and outputs not compared` },
      detection,
    };
  }
  const network = rebuildNetwork(ckpt, report, detection, allOutputs);
  const passes = report.passes.map((p) => p.name);
  const kind = graphKindOf(report.metadata);
  // a keypoint artifact wraps the network in the top-down test, with the settings its metadata records
  const graph = artifactGraph(network, kind, report.metadata, hasHeatmapsOutput(report.metadata));
  const nodes = graph.nodes.length;
  return {
    check: {
      result: result('architecture', [{ check: 'architecture', ok: true, subject: detection.family, measured: nodes, bound: report.nodes.emitted }], { nodes }),
      describe: () =>
        `${detection.family}${detection.preset ? ` (${detection.preset})` : ''} as recorded; rebuilt at ${report.input_size_hw.join('x')} with passes ${passes.join(', ') || '(none)'}${kind === 'heatmaps' ? '' : `, wrapped as the '${kind}' graph`}: ${nodes} nodes (report: ${report.nodes.emitted})`,
    },
    graph,
    detection,
  };
}
