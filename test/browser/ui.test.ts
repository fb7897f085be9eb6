/**
 * The browser UI end to end: real host and guest agents (CLI processes) through a real lobby and
 * relay on 127.0.0.1, their pages in real headless Chromium. Screenshots land in
 * artifacts/screenshots.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, useStage, type CliProcess } from '../e2e/harness.js';
import { MAX_LISTING_ENTRIES } from '../../src/ui/protocol.js';
import { guestWithUi, hostWithUi, openPage, screenshot, useBrowser } from './browser.js';

/** How long a UI step may take before the test fails instead of hanging. */
const UI_STEP_MS = 20_000;

function editor(page: Page, path: string) {
  return page.locator(`[data-testid=editor][data-path="${path}"] .cm-content`);
}

async function openFile(page: Page, path: string): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const folder = page.locator(
      `[data-testid=tree-item][data-path="${parts.slice(0, i).join('/')}"]`,
    );
    await folder.click();
  }
  await page.locator(`[data-testid=tree-item][data-path="${path}"]`).click();
  await editor(page, path).waitFor({ timeout: UI_STEP_MS });
}

async function editorText(page: Page, path: string): Promise<string> {
  return (await editor(page, path).innerText()).replace(/\u200b/g, '');
}

describe('the browser UI', { timeout: 300_000 }, () => {
  const stage = useStage();
  const chromium = useBrowser();
  let host: CliProcess;
  let link: string;
  let hostPage: Page;
  let gwenPage: Page;
  let gwen: CliProcess;

  /** Joins a guest, approves it from the host's dialog as `role`, returns its page. */
  async function admitFromDialog(
    name: string,
    role: 'read-only' | 'edit',
    shot?: string,
  ): Promise<{ guest: CliProcess; page: Page; pin: string }> {
    const { guest, ui } = await guestWithUi(link, name);
    const page = await openPage(chromium.browser, ui);
    const pinOnGuest = (
      await page.locator('[data-testid=pin]').innerText({ timeout: UI_STEP_MS })
    ).trim();
    assert.match(pinOnGuest, /^\d{3} \d{3}$/);
    const dialog = hostPage.locator('[data-testid=join-request]');
    await dialog.waitFor({ timeout: UI_STEP_MS });
    assert.equal((await dialog.locator('[data-testid=request-name]').innerText()).trim(), name);
    const pinOnHost = (await dialog.locator('[data-testid=request-pin]').innerText()).trim();
    assert.equal(pinOnHost.replace(/\s+/g, ' '), pinOnGuest, 'both pages show the same PIN');
    assert.ok((await dialog.locator('[data-testid=request-fingerprint]').innerText()).length > 20);
    if (shot) await screenshot(hostPage, shot);
    await dialog.locator(`[data-testid=approve-${role}]`).click();
    await page.locator('[data-testid=role]', { hasText: role }).waitFor({ timeout: UI_STEP_MS });
    return { guest, page, pin: pinOnGuest };
  }

  test('the host approves a guest from the dialog after reading the same PIN on both pages', async () => {
    let hostUi: string;
    ({ host, link, ui: hostUi } = await hostWithUi(stage, '--name', 'hana'));
    hostPage = await openPage(chromium.browser, hostUi);
    await hostPage.locator('[data-testid=role]', { hasText: 'host' }).waitFor();
    ({ guest: gwen, page: gwenPage } = await admitFromDialog('gwen', 'edit', 'host-join-request'));
    assert.match(await gwenPage.locator('[data-testid=connection]').innerText(), /relay/i);
    await host.waitFor((e) => e.event === 'joined' && e.name === 'gwen');
  });

  test("text typed on one page appears on the other and on the host's disk", async () => {
    await openFile(hostPage, 'README.md');
    await openFile(gwenPage, 'README.md');
    await eventually(async () => (await editorText(gwenPage, 'README.md')).includes('# demo'));
    await editor(gwenPage, 'README.md').click();
    await gwenPage.keyboard.press('Control+End');
    await gwenPage.keyboard.type('typed by gwen');
    await eventually(async () =>
      (await editorText(hostPage, 'README.md')).includes('typed by gwen'),
    );
    await editor(hostPage, 'README.md').click();
    await hostPage.keyboard.press('Control+Home');
    await hostPage.keyboard.type('hana was here ');
    await eventually(async () =>
      (await editorText(gwenPage, 'README.md')).includes('hana was here'),
    );
    await eventually(async () => {
      const disk = await readFile(join(stage.project.dir, 'README.md'), 'utf8');
      return disk.includes('typed by gwen') && disk.startsWith('hana was here # demo');
    });
    await screenshot(gwenPage, 'guest-editing');
  });

  test("the other participant's remote cursor is visible with its name", async () => {
    await editor(gwenPage, 'README.md').click();
    await gwenPage.keyboard.press('Control+End');
    const caret = hostPage.locator('.cm-ySelectionCaret', { hasText: 'gwen' });
    await caret.waitFor({ state: 'attached', timeout: UI_STEP_MS });
    await eventually(async () => (await caret.count()) === 1);
    await screenshot(hostPage, 'host-remote-cursor');
  });

  test('a read-only guest cannot change the document by typing or pasting', async () => {
    const { page } = await admitFromDialog('rita', 'read-only');
    await openFile(page, 'README.md');
    await page.locator('[data-testid=read-only]').waitFor({ timeout: UI_STEP_MS });
    await eventually(async () => (await editorText(page, 'README.md')).includes('typed by gwen'));
    const before = await editorText(page, 'README.md');
    const diskBefore = await readFile(join(stage.project.dir, 'README.md'), 'utf8');
    await editor(page, 'README.md').click();
    await page.keyboard.type('vandalism');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Backspace');
    await editor(page, 'README.md').evaluate((element) => {
      // Runs in the page; this file is compiled without DOM types.
      type Ctor = new (...args: unknown[]) => { setData(type: string, value: string): void };
      const dom = globalThis as unknown as { DataTransfer: Ctor; ClipboardEvent: Ctor };
      const data = new dom.DataTransfer();
      data.setData('text/plain', 'PASTED');
      const paste = new dom.ClipboardEvent('paste', { clipboardData: data, bubbles: true });
      (element as unknown as { dispatchEvent(event: unknown): void }).dispatchEvent(paste);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await editorText(page, 'README.md'), before);
    assert.ok(!(await editorText(hostPage, 'README.md')).includes('PASTED'));
    assert.ok(!(await editorText(hostPage, 'README.md')).includes('vandalism'));
    assert.equal(await readFile(join(stage.project.dir, 'README.md'), 'utf8'), diskBefore);
    await screenshot(page, 'guest-read-only');
  });

  test("follow mode switches the follower's open file when the followed person switches", async () => {
    const hanaEntry = gwenPage.locator('[data-testid=participant]', { hasText: 'hana' });
    const follow = hanaEntry.locator('[data-testid=follow]');
    await follow.click();
    await eventually(async () => (await follow.getAttribute('aria-pressed')) === 'true');
    await openFile(hostPage, 'src/nested/util.py');
    const active = gwenPage.locator('[data-testid=tab][aria-selected="true"]');
    await eventually(async () => (await active.getAttribute('data-path')) === 'src/nested/util.py');
    await eventually(async () =>
      (await editorText(gwenPage, 'src/nested/util.py')).includes('print'),
    );
    await follow.click();
    await eventually(async () => (await follow.getAttribute('aria-pressed')) !== 'true');
  });

  test('a request without the token, or from a foreign Origin, is refused', async () => {
    const hostUi = ((await host.waitFor('ui')) as unknown as { url: string }).url;
    const base = new URL(hostUi).origin;
    const context = await chromium.browser.newContext();
    const page = await context.newPage();
    const bare = await page.goto(`${base}/`);
    assert.equal(bare?.status(), 401);
    assert.match(await page.innerText('body'), /token/);
    // Even a page that knows the token (say, from history) on another local server is refused:
    // 127.0.0.1 on another port is the same site, but not the same origin.
    await page.goto(stage.lobby.proxy.url);
    const opened = await page.evaluate(
      (ws) =>
        new Promise<boolean>((resolve) => {
          const socket = new WebSocket(ws);
          socket.onopen = () => resolve(true);
          socket.onerror = () => resolve(false);
        }),
      `${hostUi.replace('http', 'ws')}ws`,
    );
    assert.equal(opened, false);
    await context.close();
  });

  test('a guest the host removes is told so on its page', async () => {
    const removeGwen = hostPage
      .locator('[data-testid=guest]', { hasText: 'gwen' })
      .locator('[data-testid=guest-remove]');
    await removeGwen.click();
    const ended = gwenPage.locator('[data-testid=ended]');
    await ended.waitFor({ timeout: UI_STEP_MS });
    assert.match(await ended.innerText(), /remov/i);
    assert.equal(await gwen.exited, 3);
  });

  test('a folder with more entries than one listing shows the rest on request', async () => {
    const many = join(stage.project.dir, 'many');
    await mkdir(many);
    const count = MAX_LISTING_ENTRIES + 1;
    for (let start = 0; start < count; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, count - start) }, (_, i) =>
          writeFile(join(many, `f${start + i}.txt`), ''),
        ),
      );
    }
    const rows = hostPage.locator('[data-testid=tree-item][data-path^="many/"]');
    // Every file is on disk before the folder is opened, so its one listing holds them all.
    const folder = hostPage.locator('[data-testid=tree-item][data-path="many"]');
    await folder.waitFor({ timeout: UI_STEP_MS * 3 });
    await folder.click();
    await hostPage.locator('[data-testid=tree-more]').waitFor({ timeout: UI_STEP_MS * 3 });
    assert.equal(await rows.count(), MAX_LISTING_ENTRIES);
    // The host's watcher may still be reporting the new files, and each report redraws the
    // tree: a click can land on a button that is being replaced, so it is retried until it took.
    const more = hostPage.locator('[data-testid=tree-more]');
    await eventually(async () => {
      // A DOM click: Playwright's own waits for a button that stays put, which it never does
      // while the tree is being redrawn.
      if ((await more.count()) > 0) await more.evaluate((button) => button.click()).catch(() => {});
      return (await rows.count()) === count;
    }, UI_STEP_MS * 3);
    assert.equal(await hostPage.locator('[data-testid=tree-more]').count(), 0);
  });
});
