import test from 'ava';
import { onnxBatchTests } from '../../helpers/onnx-batch.js';

/**
 * Every HRNet manifest converts to ONNX and runs at batch 1 and 4. HRNet is fully
 * convolutional (any input a multiple of 32 works), so all rows but one full-size run
 * use a 128x96 input to keep the suite's time sane on 2 CPUs.
 */
onnxBatchTests(test, 'hrnet', {
  fullSize: 'hrnet_w32_coco_256x192_dark',
  opsCheck: (t, ops) => {
    t.is(ops.ConvTranspose, undefined);
    // upsampling fuse paths (j > i): stage2 1, stage3 4 x 3, stage4 2 x 6 + 3 (single-output last module)
    t.is(ops.Resize, 1 + 4 * 3 + 2 * 6 + 3);
  },
});
