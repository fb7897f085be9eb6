/**
 * Real headless Chromium (Debian's package, driven by playwright-core) for the UI tests, and
 * helpers to start real agents whose pages it opens.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CliProcess, startHostCli, type Stage } from '../e2e/harness.js';

/** Where Debian installs Chromium; `.ci/run` installs it. */
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless Chromium on a machine without network or GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Screenshots the tests save, for people to look at after a run. */
export const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/screenshots/', import.meta.url));

/** A laptop-sized window. */
export const VIEWPORT = { width: 1280, height: 800 };

/** Launches one browser for the enclosing test file and closes it after. */
export function useBrowser(): { browser: Browser } {
  const holder = {} as { browser: Browser };
  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set TANDEM_CHROMIUM.`,
      );
    }
    await mkdir(ARTIFACTS, { recursive: true });
    holder.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await holder.browser?.close();
  });
  return holder;
}

/** Opens an agent's page in a fresh browser context (its own cookies, like another person). */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(url);
  // The function runs in the page; this file is compiled without DOM types.
  await page.waitForFunction(() => (globalThis as { tandemReady?: boolean }).tandemReady === true);
  return page;
}

/** Saves a screenshot under artifacts/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
}

/** Starts `tandem host --json --no-open` and waits for its link and editor address. */
export async function hostWithUi(
  stage: Stage,
  ...extra: string[]
): Promise<{ host: CliProcess; link: string; ui: string }> {
  const { host, link } = await startHostCli(stage, '--no-open', ...extra);
  const { url } = (await host.waitFor('ui')) as unknown as { url: string };
  return { host, link, ui: url };
}

/** Starts `tandem join --json --no-open` through the relay and waits for its editor address. */
export async function guestWithUi(
  link: string,
  name: string,
  ...extra: string[]
): Promise<{ guest: CliProcess; ui: string }> {
  const guest = new CliProcess([
    'join',
    link,
    '--name',
    name,
    '--relay-only',
    '--json',
    '--no-open',
    ...extra,
  ]);
  const { url } = (await guest.waitFor('ui')) as unknown as { url: string };
  return { guest, ui: url };
}
