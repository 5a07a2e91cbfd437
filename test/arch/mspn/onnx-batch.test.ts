import test from 'ava';
import { ortBatchTests } from '../rsn/msmu-suite.js';

ortBatchTests(test, 'mspn', ['mspn50_coco_256x192', '2xmspn50_coco_256x192', '3xmspn50_coco_256x192', '4xmspn50_coco_256x192']);
