/**
 * Headless Debian chromium for the browser tests, driven by playwright-core, with the
 * GPU paths the backends need: WebGL2 comes from ANGLE on SwiftShader (chromium's default
 * without a GPU) and a WebGPU adapter from Dawn on SwiftShader with the flags below. These
 * are the shader kernels a real GPU runs, executed on the CPU.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.POSE_PORT_CHROMIUM ?? '/usr/bin/chromium';

const BASE_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** WebGPU on SwiftShader (Dawn's Vulkan backend on the CPU) */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * false (and the test passes with a note) when chromium is missing outside CI; in CI a
 * missing chromium fails the test.
 */
export function chromiumPresent(t: ExecutionContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) t.fail(`chromium is required in CI: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  else t.pass(`chromium missing at ${CHROMIUM}: skipped locally (CI fails instead)`);
  return false;
}

/** What cleans up after a browser session: an ava test's context, or the benchmark's own list. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh profile in a temporary folder, removed at teardown with the browser. */
export async function launchChromium(t: Teardown, opts: { gpu: boolean; viewport?: { width: number; height: number } }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'pose-port-chromium-'));
  t.teardown(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(opts.gpu ? WEBGPU_ARGS : ['--disable-gpu'])],
    viewport: opts.viewport ?? { width: 720, height: 640 },
  });
  t.teardown(() => context.close());
  return context;
}
