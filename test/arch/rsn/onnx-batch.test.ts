import test from 'ava';
import { onnxBatchTests } from '../../helpers/onnx-batch.js';

/** Every RSN manifest converts to ONNX and runs at batch 1 and 4, at its real input size. */
onnxBatchTests(test, 'rsn');
