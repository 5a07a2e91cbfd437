/** resolveArchitecture: the family list and preset list its errors name come from the Family registry. */
import test from 'ava';
import { FAMILIES } from '../../src/arch/index.js';
import { tensorSetOf } from '../../src/core/tensor.js';
import { listPresets, resolveArchitecture } from '../../src/pipeline/architecture.js';
import { expectPoseError } from '../helpers/errors.js';
import { entryOf, tensorSetFromManifest } from '../helpers/manifest-tensors.js';

test('keys of no family: ARCH_UNKNOWN naming every registered family and the key prefixes seen', (t) => {
  const tensors = tensorSetOf([entryOf('encoder.conv.weight', [8, 3, 3, 3]), entryOf('encoder.conv.bias', [8])]);
  const e = expectPoseError(t, () => resolveArchitecture({ path: 'odd.pth', tensors }, undefined, undefined), 'ARCH_UNKNOWN');
  t.is(e.file, 'odd.pth');
  t.regex(e.message, new RegExp(`match no known family \\(${FAMILIES.map((f) => f.name).join(', ')}\\); 2 tensors: encoder\\.conv\\.\\* \\(2\\)`));
  t.true(FAMILIES.length === 4 && e.message.includes('(resnet, hrnet, rsn, mspn)'), e.message);
});

test('an --arch no family has: ARCH_UNKNOWN listing every preset of every family', (t) => {
  const tensors = tensorSetFromManifest('rsn18_coco_256x192');
  const e = expectPoseError(t, () => resolveArchitecture({ path: 'rsn.pth', tensors }, 'rsn9000', undefined), 'ARCH_UNKNOWN');
  t.deepEqual(listPresets(), FAMILIES.flatMap((f) => Object.keys(f.presets)));
  t.true(e.message.includes(`unknown --arch 'rsn9000'; presets: ${listPresets().join(', ')}`), e.message);
  t.is(resolveArchitecture({ path: 'rsn.pth', tensors }, 'rsn18', undefined).preset, 'rsn18');
});
