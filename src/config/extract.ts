/**
 * The settings conversion takes from a parsed MMPose config, for both generations:
 *
 * 0.x (mmcv; meta['config']): model.test_cfg (flip_test, post_process with the deprecated
 * True/unbiased_decoding spellings, shift_heatmap, modulate_kernel, use_udp,
 * target_type), data_cfg image_size/heatmap_size ([w, h]), the number of channels,
 * data.test.type, dataset_info, the test pipeline's NormalizeTensor and TopDownAffine.
 * Missing test_cfg keys take MMPose 0.x's own defaults (TopDownBaseHead.decode:
 * post_process 'default', modulate_kernel 11; TopDownSimpleHead: shift_heatmap False);
 * flip_test has none (TopDown indexes it), so a config without it states nothing.
 *
 * 1.x (mmengine; meta['cfg']): the head's decoder (or top-level `codec`): MSRAHeatmap
 * (unbiased, blur_kernel_size default 11) / MegviiHeatmap (kernel_size); UDPHeatmap and
 * other codecs are refused; model.test_cfg (flip_test default False, flip_mode
 * 'heatmap' only, shift_heatmap default False); data_preprocessor mean/std on 0..255
 * with bgr_to_rgb (BGR input is refused: the artifacts take RGB); the test dataset type
 * and its metainfo; keypoints from meta['dataset_meta'] when the caller passes it.
 */
import { keypointsFromDatasetInfo } from './keypoints.js';
import { PyDict, type PyValue } from './value.js';
import { Reader, unsupported, builtinDataset, type ConfigSettings, type DecodeMethod } from './settings.js';

const DEFAULT = '(absent: MMPose default)';

function findByType(list: PyValue | undefined, type: string): { item: PyDict; index: number } | undefined {
  if (!Array.isArray(list)) return undefined;
  const index = list.findIndex((x) => x instanceof PyDict && x.get('type') === type);
  return index < 0 ? undefined : { item: list[index] as PyDict, index };
}

/** The first of `paths` that is present (and readable). */
function firstPresent(r: Reader, paths: string[]): string | undefined {
  for (const p of paths) if (r.get(p) !== undefined) return p;
  return undefined;
}

export function extract0x(vars: PyDict, notes: string[]): ConfigSettings {
  const r = new Reader(vars, notes);
  const s: ConfigSettings = { mmpose: '0.x', metaKey: 'config', notes };
  const tc = 'model.test_cfg';
  if (r.get(tc) !== undefined) {
    const flip = r.bool(`${tc}.flip_test`);
    if (flip !== undefined) s.flipTest = { value: flip, field: `${tc}.flip_test` };
    const shift = r.get(`${tc}.shift_heatmap`) === undefined ? false : r.bool(`${tc}.shift_heatmap`);
    if (shift !== undefined) s.shiftHeatmap = { value: shift, field: `${tc}.shift_heatmap${r.get(`${tc}.shift_heatmap`) === undefined ? ' ' + DEFAULT : ''}` };
    const k = r.get(`${tc}.modulate_kernel`) === undefined ? 11 : r.int(`${tc}.modulate_kernel`);
    if (k !== undefined) s.modulateKernel = { value: k, field: `${tc}.modulate_kernel${r.get(`${tc}.modulate_kernel`) === undefined ? ' ' + DEFAULT : ''}` };
    const pp = r.get(`${tc}.post_process`);
    const unbiased = r.get(`${tc}.unbiased_decoding`) === true;
    let method: DecodeMethod | undefined;
    if (pp === undefined || pp === 'default' || pp === true) method = unbiased ? 'unbiased' : 'default';
    else if (pp === 'unbiased' || pp === 'megvii') method = pp;
    else if (pp === null || pp === false)
      unsupported(`${tc}.post_process`, `${tc}.post_process=${pp === null ? 'None' : 'False'} (no sub-pixel refinement) is not implemented`);
    else notes.push(`${tc}.post_process: unknown value ${JSON.stringify(pp)}`);
    if (method) s.method = { value: method, field: `${tc}.post_process${pp === undefined ? ' ' + DEFAULT : ''}` };
    if (r.get(`${tc}.use_udp`) === true) unsupported(`${tc}.use_udp`, `${tc}.use_udp=True: UDP decoding is not implemented`);
    const tt = r.get(`${tc}.target_type`);
    if (tt !== undefined && tt !== 'GaussianHeatMap' && tt !== 'GaussianHeatmap')
      unsupported(`${tc}.target_type`, `${tc}.target_type='${String(tt)}' is not implemented (GaussianHeatmap only)`);
  }

  // the data_cfg the test split used, else the top-level one
  const dc = firstPresent(r, ['data.test.data_cfg', 'data_cfg']);
  if (dc) {
    const size = r.sizeWH(`${dc}.image_size`);
    if (size) s.inputSizeHW = { value: size, field: `${dc}.image_size` };
    const hm = r.sizeWH(`${dc}.heatmap_size`);
    if (hm) s.heatmapSizeHW = { value: hm, field: `${dc}.heatmap_size` };
  }
  const kField = firstPresent(r, ['model.keypoint_head.out_channels', 'channel_cfg.num_output_channels', `${dc ?? 'data_cfg'}.num_output_channels`]);
  const k = kField ? r.int(kField) : undefined;
  if (kField && k !== undefined) s.numKeypoints = { value: k, field: kField };

  const backbone = r.dict('model.backbone');
  if (backbone && r.get('model.backbone') !== undefined) s.backbone = { value: backbone, field: 'model.backbone' };
  const head = r.get('model.keypoint_head') !== undefined ? r.dict('model.keypoint_head') : undefined;
  if (head) s.head = { value: head, field: 'model.keypoint_head' };

  const dt = r.get('data.test.type') !== undefined ? r.str('data.test.type') : undefined;
  if (dt) {
    s.datasetType = { value: dt, field: 'data.test.type' };
    const b = builtinDataset(dt);
    if (b) s.dataset = { value: b, field: 'data.test.type' };
  }
  const di = firstPresent(r, ['data.test.dataset_info', 'dataset_info']);
  if (di) {
    const kp = keypointsFromDatasetInfo(r, di);
    if (kp) s.keypoints = { value: kp, field: di };
    if (!s.dataset && kp?.datasetName) {
      const b = builtinDataset(kp.datasetName);
      if (b) s.dataset = { value: b, field: `${di}.dataset_name` };
    }
  }

  const pl = firstPresent(r, ['data.test.pipeline', 'test_pipeline', 'val_pipeline']);
  if (pl) {
    const list = r.get(pl);
    const norm = findByType(list, 'NormalizeTensor');
    if (norm) {
      const f = `${pl}.${norm.index}`;
      const mean = r.numbers(`${f}.mean`, 3);
      const std = r.numbers(`${f}.std`, 3);
      if (mean && std) s.normalize = { value: { mean: mean as [number, number, number], std: std as [number, number, number] }, field: `${f} (NormalizeTensor)` };
    }
    const aff = findByType(list, 'TopDownAffine');
    if (aff && r.get(`${pl}.${aff.index}.use_udp`) === true)
      unsupported(`${pl}.${aff.index}.use_udp`, `${pl}.${aff.index} TopDownAffine(use_udp=True): UDP is not implemented`);
  }
  return s;
}

export function extract1x(vars: PyDict, notes: string[]): ConfigSettings {
  const r = new Reader(vars, notes);
  const s: ConfigSettings = { mmpose: '1.x', metaKey: 'cfg', notes };
  const cf = firstPresent(r, ['model.head.decoder', 'codec']);
  if (cf) {
    const type = r.str(`${cf}.type`);
    const size = r.sizeWH(`${cf}.input_size`);
    if (size) s.inputSizeHW = { value: size, field: `${cf}.input_size` };
    const hm = r.sizeWH(`${cf}.heatmap_size`);
    if (hm) s.heatmapSizeHW = { value: hm, field: `${cf}.heatmap_size` };
    if (type === 'MSRAHeatmap') {
      const ub = r.get(`${cf}.unbiased`) === undefined ? false : r.bool(`${cf}.unbiased`);
      if (ub !== undefined) s.method = { value: ub ? 'unbiased' : 'default', field: `${cf}.unbiased${r.get(`${cf}.unbiased`) === undefined ? ' ' + DEFAULT : ''}` };
      const k = r.get(`${cf}.blur_kernel_size`) === undefined ? 11 : r.int(`${cf}.blur_kernel_size`);
      if (k !== undefined) s.modulateKernel = { value: k, field: `${cf}.blur_kernel_size${r.get(`${cf}.blur_kernel_size`) === undefined ? ' ' + DEFAULT : ''}` };
    } else if (type === 'MegviiHeatmap') {
      s.method = { value: 'megvii', field: `${cf}.type` };
      const k = r.int(`${cf}.kernel_size`);
      if (k !== undefined) s.modulateKernel = { value: k, field: `${cf}.kernel_size` };
    } else if (type !== undefined)
      unsupported(`${cf}.type`, `codec ${type} (${cf}.type) is not implemented: pose-port decodes MSRAHeatmap and MegviiHeatmap`);
  }
  const tc = 'model.test_cfg';
  if (r.get(tc) !== undefined) {
    const present = (k: string) => r.get(`${tc}.${k}`) !== undefined;
    const flip = present('flip_test') ? r.bool(`${tc}.flip_test`) : false;
    if (flip !== undefined) s.flipTest = { value: flip, field: `${tc}.flip_test${present('flip_test') ? '' : ' ' + DEFAULT}` };
    const shift = present('shift_heatmap') ? r.bool(`${tc}.shift_heatmap`) : false;
    if (shift !== undefined) s.shiftHeatmap = { value: shift, field: `${tc}.shift_heatmap${present('shift_heatmap') ? '' : ' ' + DEFAULT}` };
    const mode = present('flip_mode') ? r.str(`${tc}.flip_mode`) : 'heatmap';
    if (flip && mode !== undefined && mode !== 'heatmap')
      unsupported(`${tc}.flip_mode`, `${tc}.flip_mode='${mode}' is not implemented (heatmap only)`);
  }
  const dp = 'model.data_preprocessor';
  if (r.get(dp) !== undefined) {
    const mean = r.numbers(`${dp}.mean`, 3);
    const std = r.numbers(`${dp}.std`, 3);
    const bgr = r.get(`${dp}.bgr_to_rgb`) === undefined ? false : r.bool(`${dp}.bgr_to_rgb`);
    if (mean && std && bgr !== undefined) {
      if (!bgr)
        unsupported(`${dp}.bgr_to_rgb`, `${dp}.bgr_to_rgb is False: the model takes BGR input, and pose-port's artifacts take RGB`);
      s.normalize = {
        value: { mean: mean.map((x) => x / 255) as [number, number, number], std: std.map((x) => x / 255) as [number, number, number] },
        field: `${dp}.mean/std (/255)`,
      };
    }
  }
  const kField = firstPresent(r, ['model.head.out_channels']);
  const k = kField ? r.int(kField) : undefined;
  if (kField && k !== undefined) s.numKeypoints = { value: k, field: kField };
  const backbone = r.get('model.backbone') !== undefined ? r.dict('model.backbone') : undefined;
  if (backbone) s.backbone = { value: backbone, field: 'model.backbone' };
  const head = r.get('model.head') !== undefined ? r.dict('model.head') : undefined;
  if (head) s.head = { value: head, field: 'model.head' };

  const ds = firstPresent(r, ['test_dataloader.dataset', 'val_dataloader.dataset']);
  if (ds) {
    const dt = r.get(`${ds}.type`) !== undefined ? r.str(`${ds}.type`) : undefined;
    if (dt) {
      s.datasetType = { value: dt, field: `${ds}.type` };
      const b = builtinDataset(dt);
      if (b) s.dataset = { value: b, field: `${ds}.type` };
    }
    // a metainfo written out in the config (custom datasets); from_file cannot be followed
    const mi = firstPresent(r, [`${ds}.metainfo`, 'dataset_info']);
    if (mi && r.get(`${mi}.keypoint_info`) !== undefined) {
      const kp = keypointsFromDatasetInfo(r, mi);
      if (kp) s.keypoints = { value: kp, field: mi };
    }
  }
  return s;
}
