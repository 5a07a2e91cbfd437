/**
 * Execution of heatmap artifacts: the ONNX (onnxruntime-node) and TF.js (cpu backend)
 * artifacts and a fresh in-memory ONNX emission of the rebuilt graph run on one seeded
 * NCHW input, compared with each other (onnx-vs-tfjs, onnx-vs-rebuilt, tfjs-vs-rebuilt;
 * relative L2, a looser bound for quantized TF.js weights).
 */
import { join } from 'node:path';
import { checkOnnxGraph } from '../../artifact/check-onnx-graph.js';
import { runOnnxOutputs } from '../../artifact/onnx-runtime.js';
import { deterministicInput } from '../../artifact/probe-input.js';
import { runTfjsOutputs } from '../../artifact/tfjs-runtime.js';
import type { ConvertReport } from '../convert-report.js';
import { attempt } from './attempt.js';
import type { Described } from './format.js';
import type { CheckedVerifyOptions } from './options.js';
import { compareOutputs } from './outputs.js';

/** What the execution checks run: the artifacts the file checks found usable, the fresh emission. */
export interface ExecutionSubjects {
  dir: string;
  report: ConvertReport;
  /** model.onnx's bytes (checked before onnxruntime loads them) */
  onnxBytes?: Uint8Array;
  /** the TF.js directory, when its files are consistent */
  tfjsDir?: string;
  /** a fresh ONNX emission of the rebuilt graph */
  freshBytes?: Uint8Array;
  providers?: string[];
}

/** The TF.js bound for the artifact's quantization, and how the line names it. */
export function tfjsTolerance(report: ConvertReport, o: CheckedVerifyOptions): { tol: number; what: string } {
  const q = report.artifacts.find((a) => a.format === 'tfjs')?.quantize ?? null;
  return { tol: q === 'float16' ? o.float16Tolerance : q === 'uint8' ? o.uint8Tolerance : o.tolerance, what: q ? `TF.js (${q} weights)` : 'TF.js' };
}

export async function heatmapExecutionChecks(s: ExecutionSubjects, o: CheckedVerifyOptions): Promise<Described[]> {
  const checks: Described[] = [];
  const [H, W] = s.report.input_size_hw;
  const shape = [1, 3, H, W];
  const input = deterministicInput(o.seed, [H, W], s.report.metadata.input.mean, s.report.metadata.input.std);
  const onnxFile = s.report.artifacts.find((a) => a.format === 'onnx')?.file ?? 'model.onnx';
  const { onnxBytes, tfjsDir, freshBytes } = s;
  const runs = {
    // the artifact is untrusted: its graph is checked before onnxruntime loads it (a refusal names the node)
    onnx: onnxBytes
      ? await attempt(checks, 'onnx-run', () => {
          checkOnnxGraph(onnxBytes, join(s.dir, onnxFile), Math.max(H, W));
          return runOnnxOutputs(onnxBytes, input, shape, s.providers);
        })
      : undefined,
    tfjs: tfjsDir ? await attempt(checks, 'tfjs-run', () => runTfjsOutputs(tfjsDir, input, shape)) : undefined,
    rebuilt: freshBytes ? await attempt(checks, 'rebuilt-run', () => runOnnxOutputs(freshBytes, input, shape, s.providers)) : undefined,
  };
  const t = tfjsTolerance(s.report, o);
  if (runs.onnx && runs.tfjs) checks.push(compareOutputs('onnx-vs-tfjs', runs.tfjs, runs.onnx, t.tol, `${t.what} vs ONNX`));
  if (runs.onnx && runs.rebuilt) checks.push(compareOutputs('onnx-vs-rebuilt', runs.onnx, runs.rebuilt, o.tolerance, 'ONNX artifact vs a fresh ONNX emission of the rebuilt graph'));
  if (runs.tfjs && runs.rebuilt) checks.push(compareOutputs('tfjs-vs-rebuilt', runs.tfjs, runs.rebuilt, t.tol, `${t.what} artifact vs a fresh ONNX emission of the rebuilt graph`));
  return checks;
}
