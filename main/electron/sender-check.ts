/**
 * Whether an IPC call may reach the studio API: it must come from the studio window's own web contents, from a frame
 * showing the studio page itself (not an iframe, not a page navigated elsewhere). Pure, so it is tested without Electron.
 */
export function isTrustedSender(fromStudioWindow: boolean, frameUrl: string | undefined, studioPageUrl: string): boolean {
  if (!fromStudioWindow || !frameUrl) return false;
  // Query strings and fragments are allowed (state in the URL); any other path, scheme or host is not.
  const base = frameUrl.split(/[?#]/, 1)[0];
  return base === studioPageUrl;
}
