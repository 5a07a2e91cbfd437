/**
 * The Node side of test/browser/harness: serves the harness page, demo/backends.js, the
 * runtimes from node_modules and a folder of models and inputs on 127.0.0.1, and runs
 * specs in chromium pages (one page per backend: TF.js and onnxruntime-web keep their
 * backend state per page).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../helpers/ckpt.js';
import { launchChromium, type Teardown } from './chromium.js';
import { serveStatic, type StaticServer } from './server.js';

export const VENDOR = [
  '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-converter', 'onnxruntime-web',
];

export type Runtime = 'tfjs' | 'onnx';
/** Every (runtime, backend) pair the browser tests cover. */
export const BROWSER_BACKENDS: readonly (readonly [Runtime, string])[] = [
  ['onnx', 'wasm'], ['onnx', 'webgpu'], ['tfjs', 'wasm'], ['tfjs', 'webgl'], ['tfjs', 'webgpu'],
];

export interface InputSpec {
  url: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
}
export interface RunSpec {
  runtime: Runtime;
  backend: string;
  model: string;
  inputs: Record<string, InputSpec>;
  outputs: string[];
  reps: number;
  /** onnxruntime-web webgpu: refuse CPU-placed nodes (default) or report the placement */
  cpuNodes?: 'refuse' | 'report';
}
export interface RunResult {
  /** what demo/backends.js established about the backend */
  facts: Record<string, unknown>;
  outputs: Record<string, { shape: number[]; data: number[] }>;
  ms: number[];
}

export interface Harness {
  server: StaticServer;
  /** the folder served as /files */
  files: string;
  /** writes `bytes` to /files/`name`; returns its URL path */
  put(name: string, bytes: Uint8Array | Float32Array): string;
  /** a page with the harness loaded; console lines are collected in `log` */
  page(): Promise<{ page: Page; log: string[]; run(spec: RunSpec): Promise<RunResult> }>;
}

export async function openHarness(t: Teardown, opts: { gpu: boolean }): Promise<Harness> {
  const files = mkdtempSync(join(tmpdir(), 'pose-port-harness-'));
  t.teardown(() => rmSync(files, { recursive: true, force: true }));
  const mounts: Record<string, string> = { '/demo': join(ROOT, 'demo'), '/harness': join(ROOT, 'test', 'browser', 'harness'), '/files': files };
  for (const p of VENDOR) mounts[`/node_modules/${p}/dist`] = join(ROOT, 'node_modules', p, 'dist');
  const server = await serveStatic(mounts);
  t.teardown(() => server.close());
  const context = await launchChromium(t, { gpu: opts.gpu });
  return {
    server,
    files,
    put(name, bytes) {
      const path = join(files, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
      return `/files/${name}`;
    },
    async page() {
      const page = await context.newPage();
      const log: string[] = [];
      page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      await page.goto(`${server.url}/harness/index.html`);
      await page.waitForFunction(() => (window as unknown as { harness?: { ready: boolean } }).harness?.ready === true);
      return {
        page,
        log,
        run: (spec) => page.evaluate((s) => (window as unknown as { harness: { run(s: unknown): Promise<RunResult> } }).harness.run(s), spec),
      };
    },
  };
}
