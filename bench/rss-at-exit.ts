/**
 * Preloaded into a benchmarked node process (`node --import <this file> ...`): at exit
 * it writes the process's peak RSS (./peak-rss.ts) to the file named by
 * $POSE_PORT_BENCH_RSS, so a whole command is timed and measured in the same run.
 */
import { writeFileSync } from 'node:fs';
import { peakRssBytes } from './peak-rss.js';

const out = process.env.POSE_PORT_BENCH_RSS;
if (out) process.on('exit', () => writeFileSync(out, String(peakRssBytes())));
