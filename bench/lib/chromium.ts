/**
 * Debian's Chromium driven by playwright-core, headless, for the web UI's browser tests
 * (test/browser.ts), its docs screenshots (scripts/ui-screenshots.ts) and bench:ui. Chromium is
 * `/usr/bin/chromium` (Debian package `chromium`, installed by scripts/system-packages.mjs) or
 * `CHROMIUM_PATH`; a missing one is an error that names the package, never a silent skip.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's package, for the error message when it is missing. */
export const CHROMIUM_PACKAGE = 'chromium';

/**
 * Headless without a sandbox (CI runs as root), GPU or QUIC, and with none of the background
 * traffic a fresh profile starts (first-run, component updates, sync): a run talks only to the
 * agent under test.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Launches headless Chromium; throws naming the Debian package when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${executablePath}: install Debian's package ` +
        `(apt-get install -y ${CHROMIUM_PACKAGE}) or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  // A fresh temporary profile per launch: playwright's launch() makes one and removes it.
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}
