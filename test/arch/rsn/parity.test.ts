import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every rsn row with a shared MMPose reference (../shared/zoo/reference), whichever are present
referenceParityTests(test, 'rsn');
