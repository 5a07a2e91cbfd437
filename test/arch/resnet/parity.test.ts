import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every resnet row with an MMPose reference (test/data/reference), whichever are present
referenceParityTests(test, 'resnet');
