import test from 'ava';
import { ortBatchTests } from './msmu-suite.js';

ortBatchTests(test, 'rsn', ['rsn18_coco_256x192', 'rsn50_coco_256x192', '2xrsn50_coco_256x192', '3xrsn50_coco_256x192']);
