// Each test gets its own temporary user-data folder and its own studio: a browser-host server process for the
// `web` project, an Electron app for the `electron` project (skipped where no Electron binary is installed).
import { test as base, _electron as electron } from '@playwright/test';
import type { Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioPage } from './pages/studio-page';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the Electron binary would be; null (with the reason) when `npm install electron` could not download it. */
export function electronBinary(): { path: string } | { missing: string } {
  const pkg = join(repoRoot, 'node_modules', 'electron');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH)
    return { path: join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron') };
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile))
    return {
      missing:
        'no Electron binary is installed (node_modules/electron/path.txt is absent: the binary download needs the internet)',
    };
  const bin = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { path: bin } : { missing: `the Electron binary ${bin} is missing` };
}

/** Starts `main/web/server.ts` on a free port; resolves with its URL (token included) once it listens. */
async function startWebHost(userDataDir: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'main/web/server.ts'), '--port', '0', '--user-data', userDataDir],
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => reject(new Error(`the web host exited (${code}) before listening:\n${out}`)));
  });
  return { url, proc };
}

export interface StudioFixture {
  page: Page;
  studio: StudioPage;
  userDataDir: string;
  /** Closes the current window/page and opens the studio again on the same user data (the "reopen the app" step). */
  reopen(): Promise<StudioPage>;
}

export const test = base.extend<{ studioApp: StudioFixture }>({
  // `playwright`, not `browser`: the electron project must not start a Chromium it does not use.
  studioApp: async ({ playwright }, use, testInfo) => {
    const userDataDir = mkdtempSync(join(tmpdir(), 'rnn-e2e-'));
    if (testInfo.project.name === 'electron') {
      const bin = electronBinary();
      if ('missing' in bin) {
        const reason = `Electron project skipped: ${bin.missing}.`;
        // The list reporter does not print skip reasons; say it where CI logs show it.
        console.log(`[electron] ${testInfo.title}: ${reason}`);
        test.skip(true, reason);
      }
      const launch = async () => {
        const app = await electron.launch({
          executablePath: (bin as { path: string }).path,
          args: [repoRoot],
          env: { ...process.env, RNN_STUDIO_USER_DATA: userDataDir },
        });
        return { app, page: await app.firstWindow() };
      };
      let current = await launch();
      const fixture: StudioFixture = {
        page: current.page,
        studio: new StudioPage(current.page),
        userDataDir,
        reopen: async () => {
          await current.app.close();
          current = await launch();
          fixture.page = current.page;
          fixture.studio = new StudioPage(current.page);
          return fixture.studio;
        },
      };
      await use(fixture);
      await current.app.close();
      return;
    }
    const host = await startWebHost(userDataDir);
    const browser = await playwright.chromium.launch(testInfo.project.use.launchOptions);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    let page = await context.newPage();
    await page.goto(host.url);
    const fixture: StudioFixture = {
      page,
      studio: new StudioPage(page),
      userDataDir,
      reopen: async () => {
        await page.close();
        page = await context.newPage();
        await page.goto(host.url);
        fixture.page = page;
        fixture.studio = new StudioPage(page);
        return fixture.studio;
      },
    };
    try {
      await use(fixture);
    } finally {
      await context.close();
      await browser.close();
      host.proc.kill('SIGTERM');
    }
  },
});

export { expect } from '@playwright/test';
