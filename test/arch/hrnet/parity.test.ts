import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every hrnet row with a shared MMPose reference (../shared/zoo/reference), whichever are present
referenceParityTests(test, 'hrnet');
