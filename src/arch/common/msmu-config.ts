/** The config of the RSN/MSPN multi-stage multi-unit networks (MMPose backbone + TopDownMSMUHead arguments), its check and its inspect facts. */
import { PosePortError } from '../../core/errors.js';
import type { Value } from '../../ir/types.js';
import type { ConfigField, FamilyName } from '../family.js';
import type { ParamReader } from './params.js';

export interface MsmuHeadConfig {
  /**
   * [height, width] of the heatmaps (the head's `out_shape`). Weights cannot tell it;
   * when absent the build uses input / 4 (the stride of the last decoder unit), which
   * is [64, 48] for the 256x192 zoo rows.
   */
  outShape?: readonly [number, number];
  /** K, heatmap channels */
  outChannels: number;
  /** pose refine machine after every predictor (keys `predict_layers.<n>.prm.*`) */
  usePrm: boolean;
}

/** Config common to RSN and MSPN (MMPose backbone + TopDownMSMUHead arguments). */
export interface MsmuConfig {
  numStages: number;
  /** encoder/decoder units per stage (4 in every zoo row) */
  numUnits: number;
  /** blocks per encoder unit, length numUnits */
  numBlocks: number[];
  /** decoder width (`unit_channels`, 256) */
  unitChannels: number;
  /** stem output width (`res_top_channels`, 64) */
  stemChannels: number;
  head: MsmuHeadConfig;
}

/** What differs between RSN and MSPN: the encoder block and the encoder widths. */
export interface EncoderSpec<C extends MsmuConfig> {
  /** 'multi_stage_rsn' | 'multi_stage_mspn' */
  readonly stageKey: string;
  /** output width of encoder unit u (0-based) */
  unitWidth(cfg: C, u: number): number;
  /** block b of encoder unit u at `prefix` (…downsample.layer<u+1>.<b>) */
  block(p: ParamReader, x: Value, prefix: string, cfg: C, where: BlockPlace): Value;
}

export interface BlockPlace {
  unit: number;
  block: number;
  /** 2 on block 0 of units 1.. (downsampling), else 1 */
  stride: number;
  inC: number;
  outC: number;
}

/** The resolved heatmap size: the config's out_shape, else input / 4. */
export function heatmapSize(cfg: MsmuConfig, inputSize: readonly [number, number]): [number, number] {
  if (cfg.head.outShape) return [cfg.head.outShape[0], cfg.head.outShape[1]];
  return [Math.floor(inputSize[0] / 4), Math.floor(inputSize[1] / 4)];
}

/** Checks a config at the API boundary (numbers positive, lengths agree). */
export function validateMsmuConfig(cfg: MsmuConfig, family: FamilyName): void {
  const bad = (what: string) => {
    throw new PosePortError('ARCH_MISMATCH', `invalid ${family} config: ${what}`);
  };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!posInt(cfg.numStages)) bad(`numStages ${cfg.numStages}`);
  if (!posInt(cfg.numUnits) || cfg.numUnits < 2) bad(`numUnits ${cfg.numUnits} (needs >= 2)`);
  if (cfg.numBlocks.length !== cfg.numUnits) bad(`numBlocks has ${cfg.numBlocks.length} entries for ${cfg.numUnits} units`);
  if (!cfg.numBlocks.every(posInt)) bad(`numBlocks [${cfg.numBlocks.join(', ')}]`);
  if (!posInt(cfg.unitChannels) || !posInt(cfg.stemChannels) || !posInt(cfg.head.outChannels)) bad('channel counts must be positive');
  if (cfg.head.outShape && !cfg.head.outShape.every(posInt)) bad(`outShape [${cfg.head.outShape.join(', ')}]`);
}

/** Facts for `inspect` from a config. */
export function msmuFacts(cfg: MsmuConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stages: cfg.numStages,
    units: cfg.numUnits,
    blocks: [...cfg.numBlocks],
    ...extra,
    unitChannels: cfg.unitChannels,
    stemChannels: cfg.stemChannels,
    keypoints: cfg.head.outChannels,
    usePrm: cfg.head.usePrm,
    outShape: cfg.head.outShape ? [...cfg.head.outShape] : 'input/4',
  };
}

/**
 * The MMPose config fields the keys determine: the backbone's stages, units, blocks and
 * decoder width (RSN's steps given by the caller), TopDownMSMUHead's stages and width.
 */
export function msmuConfigFields(cfg: MsmuConfig, extra: ConfigField[] = []): { backbone: ConfigField[]; head: ConfigField[] } {
  return {
    backbone: [
      { field: 'num_stages', keys: cfg.numStages },
      { field: 'num_units', keys: cfg.numUnits },
      { field: 'num_blocks', keys: cfg.numBlocks },
      { field: 'unit_channels', keys: cfg.unitChannels },
      ...extra,
    ],
    head: [
      { field: 'num_stages', keys: cfg.numStages },
      { field: 'unit_channels', keys: cfg.unitChannels },
    ],
  };
}
