/**
 * The Electron security settings as plain data and pure functions (no `electron` import), so the checklist is
 * tested without an Electron binary (security.test.ts) and main.ts applies exactly what is tested.
 * Checklist: https://www.electronjs.org/docs/latest/tutorial/security
 */
import { isStudioPageUrl } from './app-protocol.js';

/** webPreferences of the studio window: isolated, sandboxed, no Node in the page or its workers, web security on. */
export function studioWebPreferences(preloadPath: string) {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    preload: preloadPath,
  } as const;
}

/** window.open and target=_blank links: never a new window (and so never remote content in one). */
export function denyWindowOpen(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Navigation is allowed only to the page already shown (a reload), and only when that is the studio page on its
 * app:// origin: a window that somehow shows anything else, a file:// page included, cannot even reload it.
 */
export function isNavigationAllowed(targetUrl: string, currentUrl: string): boolean {
  return targetUrl === currentUrl && isStudioPageUrl(targetUrl);
}

/** Permission requests and checks (camera, microphone, notifications, geolocation, …): always refused. */
export function refusePermission(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}
export function refusePermissionCheck(): boolean {
  return false;
}
