/**
 * Whether an IPC call may reach the studio API: it must come from the studio window's own web contents, from a frame
 * showing the studio page itself on its app:// origin (not an iframe, not a page navigated elsewhere, never a file://
 * page). Pure, so it is tested without Electron.
 */
import { isStudioPageUrl } from './app-protocol.js';

export function isTrustedSender(fromStudioWindow: boolean, frameUrl: string | undefined): boolean {
  // Query strings and fragments are allowed (state in the URL); any other path, scheme or host is not.
  return fromStudioWindow && isStudioPageUrl(frameUrl);
}
