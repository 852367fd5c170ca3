import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (CI installs it when missing); never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless chromium for browser tests; the caller closes it. */
export function launchHeadlessBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** Where tests put screenshots and other artefacts (`test-output/`, ignored by git). */
export function testOutputPath(name: string): string {
  const dir = join(process.cwd(), 'test-output');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
