import test from 'ava';
import { onnxBatchTests } from '../../helpers/onnx-batch.js';

/**
 * Every ResNet manifest converts to ONNX and runs at batch 1 and 4. ResNet is fully
 * convolutional (any input a multiple of 32 works), so all rows but one full-size run
 * use a 128x96 input to keep the suite's time sane on 2 CPUs.
 */
onnxBatchTests(test, 'resnet', {
  fullSize: 'res50_coco_256x192_dark',
  opsCheck: (t, ops) => {
    t.is(ops.ConvTranspose, 3);
  },
});
