/**
 * The studio page's own origin, `app://studio`, instead of file://: a file:// page shares its origin with every file
 * on the disk, while this scheme serves the renderer folder and nothing else. URL → file resolution is a pure
 * function (no `electron` import), so every refusal is tested in plain Node (app-protocol.test.ts); main.ts
 * registers the scheme and hands each request to serveAppRequest.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const STUDIO_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: a real origin (app://studio) for relative URLs, same-origin module scripts and localStorage; secure: a
 * secure context like https. Nothing more: the page never calls fetch(), and without corsEnabled no other origin
 * may read these files.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true } as const;

/**
 * Sent with every response. Stricter than the page's meta tag (which also serves the browser host): the desktop page
 * talks to main over IPC, so it connects nowhere, loopback WebSockets included; both policies apply.
 */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the renderer build writes; any other file type in the folder is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export type AppResolution = { status: 200; file: string; contentType: string } | { status: 400 | 404; reason: string };

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * The file inside `rendererDir` that an app:// URL names, or why it is refused. Chromium canonicalises the URL before
 * the handler sees it; the checks do not rely on that, so the function is safe for any string it is given.
 */
export function resolveAppUrl(rawUrl: string, rendererDir: string): AppResolution {
  const notFound = (reason: string): AppResolution => ({ status: 404, reason });
  const beforeQuery = rawUrl.split(/[?#]/, 1)[0] ?? '';
  // WHATWG parsing would fold "a/../.." (and %2e%2e) away silently; a URL that tries it is refused, not rewritten.
  if (beforeQuery.split(/[\\/]/).some((s) => DOT_SEGMENT.test(s)))
    return notFound(`expected a path without "." or ".." segments, received ${JSON.stringify(rawUrl)}`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return {
      status: 400,
      reason: `expected an ${APP_ORIGIN}/ URL, received ${JSON.stringify(rawUrl)}, which is not a URL`,
    };
  }
  if (url.protocol !== `${APP_SCHEME}:`)
    return notFound(`expected the ${APP_SCHEME}: scheme, received ${JSON.stringify(url.protocol)}`);
  if (url.host !== APP_HOST || url.username !== '' || url.password !== '') {
    return notFound(
      `expected the host ${JSON.stringify(APP_HOST)} (no port, no user), received ${JSON.stringify(url.host)}${url.username || url.password ? ' with credentials' : ''}`,
    );
  }
  const path = url.pathname === '' || url.pathname === '/' ? '/index.html' : url.pathname;
  if (!path.startsWith('/')) return notFound(`expected a path starting with "/", received ${JSON.stringify(path)}`);
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400, reason: `expected valid percent-encoding, received ${JSON.stringify(raw)}` };
    }
    // Empty (a "//" absolute path or a folder), dot segments, separators and drive letters once decoded: any of them
    // could name a file outside the folder on some OS. A "%" left over is double encoding, which no build writes.
    if (segment === '' || segment === '.' || segment === '..' || /[/\\:\0%]/.test(segment)) {
      return notFound(`expected a file name, received the path segment ${JSON.stringify(raw)}`);
    }
    segments.push(segment);
  }
  const contentType = CONTENT_TYPES[extname(segments[segments.length - 1] ?? '').toLowerCase()];
  if (!contentType)
    return notFound(`expected one of ${Object.keys(CONTENT_TYPES).join(' ')}, received ${JSON.stringify(path)}`);
  const file = join(rendererDir, ...segments);
  const rel = relative(rendererDir, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    return notFound(`expected a file inside the renderer folder, received ${JSON.stringify(path)}`);
  return { status: 200, file, contentType };
}

/** Whether a frame shows the studio page itself: query and fragment may differ, scheme, host and path may not. */
export function isStudioPageUrl(url: string | undefined): boolean {
  return url !== undefined && url.split(/[?#]/, 1)[0] === STUDIO_PAGE_URL;
}

function securityHeaders(contentType: string): Record<string, string> {
  return { 'Content-Type': contentType, 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff' };
}

/** The protocol.handle handler, less the Electron call: a Response for every request, never a thrown error. */
export async function serveAppRequest(
  request: { url: string; method: string },
  rendererDir: string,
  readFile: (file: string) => Promise<Uint8Array> = fsReadFile,
): Promise<Response> {
  const text = (status: number, message: string, extra: Record<string, string> = {}) =>
    new Response(message, { status, headers: { ...securityHeaders('text/plain; charset=utf-8'), ...extra } });
  if (request.method !== 'GET') return text(405, `expected GET, received ${request.method}`, { Allow: 'GET' });
  const r = resolveAppUrl(request.url, rendererDir);
  if (r.status !== 200) return text(r.status, r.reason);
  let body: Uint8Array;
  try {
    body = await readFile(r.file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')
      return text(404, `expected a file, received ${code} for ${JSON.stringify(new URL(request.url).pathname)}`);
    return text(
      500,
      `expected to read ${JSON.stringify(new URL(request.url).pathname)}, received ${code ?? String(e)}`,
    );
  }
  return new Response(body, { status: 200, headers: securityHeaders(r.contentType) });
}
