/**
 * The Electron main process: one window with the security defaults written out, the studio API over IPC
 * (one handler per call, sender checked, arguments validated by the service's schemas), events pushed to the
 * window. Training and prediction run in worker threads started by the service; this thread never loads TensorFlow.
 * The page comes from app://studio (app-protocol.ts), never from file://.
 * Bundled by scripts/build-electron.mjs into dist/electron/main.mjs.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/api-methods.js';
import type { IpcReply } from '../../shared/api-methods.js';
import { ApiError } from '../../shared/api.js';
import { StudioService } from '../studio/studio-service.js';
import { setWorkerEntry } from '../training-host.js';
import { setFileWorkerEntry } from '../studio/off-thread.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppRequest, STUDIO_PAGE_URL } from './app-protocol.js';
import { isTrustedSender } from './sender-check.js';
import {
  denyWindowOpen,
  isNavigationAllowed,
  refusePermission,
  refusePermissionCheck,
  studioWebPreferences,
} from './security.js';

const here = dirname(fileURLToPath(import.meta.url));
// In the repository: dist/electron/ → repo root. Packaged: resources/app.asar/dist/electron → app root, with
// assets/ unpacked beside it (electron-builder.yml).
const appRoot = resolve(here, '..', '..');
const rendererDir = join(appRoot, 'dist', 'renderer');

// Chromium fixes its scheme list at start-up: this has to run before 'ready', at module load.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

// Tests and power users keep projects and runs elsewhere (e.g. one temporary folder per Playwright test).
if (process.env.RNN_STUDIO_USER_DATA) app.setPath('userData', resolve(process.env.RNN_STUDIO_USER_DATA));
setWorkerEntry(join(here, 'worker.mjs'));
setFileWorkerEntry(join(here, 'file-worker.mjs'));

let win: BrowserWindow | null = null;

/** Only our own page, in our own window, may call the API. */
function checkSender(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  const fromWindow = win !== null && event.sender === win.webContents;
  if (!isTrustedSender(fromWindow, url)) {
    throw new ApiError(
      `Refused an API call: expected the studio window showing ${STUDIO_PAGE_URL}, received a call from ${fromWindow ? 'that window' : 'another web contents'} showing ${JSON.stringify(url)}.`,
      'invalid-argument',
    );
  }
}

function createWindow(service: StudioService): void {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'RNN Studio',
    show: false,
    webPreferences: studioWebPreferences(join(here, 'preload.cjs')),
  });
  win.once('ready-to-show', () => win?.show());
  // No pop-ups and no navigation away from the studio page: links to the outside world are not followed.
  win.webContents.setWindowOpenHandler(denyWindowOpen);
  win.webContents.on('will-navigate', (e, url) => {
    if (!isNavigationAllowed(url, win?.webContents.getURL() ?? '')) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isNavigationAllowed(url, win?.webContents.getURL() ?? '')) e.preventDefault();
  });
  // No <webview> can be attached, whatever a page tried.
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  const forward = service.onEvent((e) => win?.webContents.send(IPC_EVENT_CHANNEL, e));
  win.on('closed', () => {
    forward();
    win = null;
  });
  void win.loadURL(STUDIO_PAGE_URL);
}

async function main(): Promise<void> {
  await app.whenReady();
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, rendererDir));
  // The studio needs no camera, microphone, notifications or geolocation: refuse every permission request.
  session.defaultSession.setPermissionRequestHandler(refusePermission);
  session.defaultSession.setPermissionCheckHandler(refusePermissionCheck);
  const pkg = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string };
  const service = new StudioService({
    userDataDir: app.getPath('userData'),
    host: 'electron',
    appVersion: pkg.version,
    assetsDir: join(app.isPackaged ? process.resourcesPath : appRoot, 'assets'),
    examplesDir: join(app.isPackaged ? process.resourcesPath : appRoot, 'examples'),
    pickDataPath: async (kind) => {
      const r = await dialog.showOpenDialog(win ?? (undefined as never), {
        properties: [kind === 'file' ? 'openFile' : 'openDirectory'],
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  for (const method of API_METHODS) {
    ipcMain.handle(ipcChannel(method), async (event, params: unknown): Promise<IpcReply> => {
      try {
        checkSender(event);
        return { ok: true, result: await service.call(method, params) };
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(e instanceof Error ? e.message : String(e));
        return { ok: false, error: { message: err.message, code: err.code } };
      }
    });
  }
  createWindow(service);
  app.on('activate', () => {
    if (!win) createWindow(service);
  });
  app.on('window-all-closed', () => {
    void service.shutdown().then(() => app.quit());
  });
}

void main();
