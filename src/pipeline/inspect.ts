import { detectArchitecture } from '../arch/index.js';
import { DTYPE_BYTES, type DType } from '../core/dtype.js';
import { PosePortError } from '../core/errors.js';
import type { PlainValue } from '../pth/types.js';
import { summarizeCheckpointConfig, type ConfigSummary } from '../config/index.js';
import { inStoredKeys, layoutReport, openModelCheckpoint } from './checkpoint.js';

export interface InspectTensor {
  name: string;
  dtype: DType;
  shape: number[];
  bytes: number;
}

export interface InspectReport {
  kind: 'inspect';
  file: string;
  bytes: number;
  format: 'zip' | 'legacy';
  pickle_protocol: number;
  wrapper_keys: string[] | null;
  /** which MMPose generation named the keys: 'mmpose-0.x' or 'mmpose-1.x' (head class, keys set aside) */
  layout: { name: string; head: string | null; set_aside: string[] };
  meta: {
    present: boolean;
    mmcv_version: string | null;
    mmpose_version: string | null;
    /** MMPose 1.x files: meta.mmengine_version */
    mmengine_version: string | null;
    time: string | null;
    config_text: boolean;
    other_keys: string[];
  };
  tensors: InspectTensor[];
  totals: { tensors: number; elements: number; bytes: number; by_dtype: Record<string, number> };
  architecture: { family: string; preset: string | null; facts: Record<string, unknown> } | null;
  /** the MMPose config in meta, read without evaluating it: each fact with its field, what was not read (null: none) */
  config: ConfigSummary | null;
  warnings: string[];
}

function field(meta: PlainValue | null, key: string): PlainValue | undefined {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || ArrayBuffer.isView(meta)) return undefined;
  if (meta instanceof Map) return meta.get(key);
  return Object.hasOwn(meta, key) ? (meta as Record<string, PlainValue>)[key] : undefined;
}

function metaKeys(meta: PlainValue | null): string[] {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || ArrayBuffer.isView(meta)) return [];
  if (meta instanceof Map) return [...meta.keys()].map(String);
  return Object.keys(meta);
}

/** The MMPose version, from meta.mmpose_version or the 'MMPose: x' line of env_info. */
function mmposeVersion(meta: PlainValue | null): string | null {
  const v = field(meta, 'mmpose_version');
  if (typeof v === 'string') return v;
  const env = field(meta, 'env_info');
  if (typeof env === 'string') {
    const m = /^MMPose:\s*(\S+)/m.exec(env);
    if (m) return m[1];
  }
  return null;
}

/** Everything `pose-port inspect` shows, read without touching tensor bytes. */
export async function inspectCheckpoint(path: string, opts: { allowUnknownGlobals?: boolean } = {}): Promise<InspectReport> {
  const ckpt = await openModelCheckpoint(path, opts).catch((e: unknown) => {
    throw e instanceof PosePortError ? e.withFile(path) : e;
  });
  try {
    // the tensors as the file stores them
    const tensors = ckpt.storedTensors.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: [...e.shape], bytes: e.numel * DTYPE_BYTES[e.dtype] }));
    const byDtype: Record<string, number> = {};
    for (const t of tensors) byDtype[t.dtype] = (byDtype[t.dtype] ?? 0) + 1;
    const known = new Set(['mmcv_version', 'mmpose_version', 'mmengine_version', 'time', 'config', 'cfg']);
    const str = (v: PlainValue | undefined) => (typeof v === 'string' ? v : null);
    const det = inStoredKeys(ckpt, () => detectArchitecture(ckpt.tensors));
    return {
      kind: 'inspect',
      file: path,
      bytes: ckpt.sizeBytes,
      format: ckpt.format,
      pickle_protocol: ckpt.protocol,
      wrapper_keys: ckpt.wrapperKeys ? [...ckpt.wrapperKeys] : null,
      layout: layoutReport(ckpt),
      meta: {
        present: ckpt.meta !== null,
        mmcv_version: str(field(ckpt.meta, 'mmcv_version')),
        mmpose_version: mmposeVersion(ckpt.meta),
        mmengine_version: str(field(ckpt.meta, 'mmengine_version')),
        time: str(field(ckpt.meta, 'time')),
        // 0.x: meta.config (mmcv pretty_text); 1.x: meta.cfg (mmengine)
        config_text: typeof field(ckpt.meta, 'config') === 'string' || typeof field(ckpt.meta, 'cfg') === 'string',
        other_keys: metaKeys(ckpt.meta).filter((k) => !known.has(k)),
      },
      tensors,
      totals: {
        tensors: tensors.length,
        elements: ckpt.storedTensors.entries.reduce((s, e) => s + e.numel, 0),
        bytes: tensors.reduce((s, t) => s + t.bytes, 0),
        by_dtype: byDtype,
      },
      architecture: det ? { family: det.family, preset: det.preset ?? null, facts: det.facts } : null,
      config: summarizeCheckpointConfig(ckpt.meta),
      warnings: [...ckpt.warnings],
    };
  } finally {
    ckpt.close();
  }
}
