import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const x = tf.zeros([0, 8, 6, 4]);
const tries: [string, () => tf.Tensor][] = [
  ['conv2d', () => tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 4, 5]) as tf.Tensor4D, 1, 'same')],
  ['fusedConv', () => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: tf.ones([3, 3, 4, 5]) as tf.Tensor4D, strides: 2, pad: 'same', bias: tf.ones([5]), activation: 'relu' })],
  ['maxpool', () => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')],
  ['depthToSpace', () => tf.depthToSpace(x as tf.Tensor4D, 2)],
  ['gather', () => tf.gather(x, tf.tensor1d([0, 1], 'int32'), 2)],
  ['transpose', () => tf.transpose(x, [0, 3, 1, 2])],
  ['pad', () => tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])],
  ['resize', () => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [16, 12])],
  ['mean', () => tf.mean(x, [1, 2], true)],
  ['max', () => tf.max(x, [1, 2])],
  ['sum', () => tf.sum(x, [3])],
  ['concat', () => tf.concat([x, x], 0)],
  ['slice', () => tf.slice(x, [0, 0, 0, 0], [-1, 4, -1, -1])],
  ['reshape', () => tf.reshape(x, [-1, 2, 8, 6, 2])],
  ['sigmoid', () => tf.sigmoid(x)],
  ['batchnorm', () => tf.batchNorm(x, tf.zeros([4]), tf.ones([4]))],
  ['cast', () => tf.cast(x, 'int32')],
  ['depthwise', () => tf.depthwiseConv2d(x as tf.Tensor4D, tf.ones([3, 3, 4, 1]) as tf.Tensor4D, 1, 'same')],
];
for (const [n, f] of tries) { try { const y = f(); await y.data(); console.log(n, 'ok', y.shape); } catch (e) { console.log(n, 'FAIL', String(e).slice(0, 100)); } }
