import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every resnet row with a shared MMPose reference (../shared/zoo/reference), whichever are present
referenceParityTests(test, 'resnet');
