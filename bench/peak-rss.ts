import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size in bytes, from VmHWM in /proc/self/status.
 * Not getrusage's maxRSS: after fork+exec Linux keeps the parent's high-water mark
 * there, so a child spawned by a bench process that had run a large model reported
 * the parent's peak instead of its own. Falls back to maxRSS off Linux.
 */
export function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
