/**
 * The browser host: serves the built renderer and carries the studio API over a WebSocket.
 * Bound to 127.0.0.1 by default; the API needs the random session token printed in the URL, and the WebSocket's
 * Origin must be this server, so neither other local users nor other web pages can drive it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ApiError, MAX_WIRE_MESSAGE_BYTES } from '../../shared/api.js';
import type { WireMessage } from '../../shared/api.js';
import { StudioService } from '../studio/studio-service.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WebServerOptions {
  host?: string;
  port?: number;
  userDataDir?: string;
  /** Folder with the built renderer (index.html, app.js, app.css). */
  staticDir?: string;
  /** Fixed token for tests; random otherwise. */
  token?: string;
  /**
   * Extra names the Host header may carry (a remote box's DNS name behind a tunnel or proxy). Loopback binds accept
   * 127.0.0.1, localhost and [::1]; a specific address accepts itself; 0.0.0.0 / :: accept any Host (the token stands).
   */
  allowedHosts?: string[];
  /** A client that stops reading is dropped once this many bytes wait for it (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Folders the API may read data from (default: the user's home folder; the user-data folder always). */
  dataRoots?: string[];
  /** Where the book's data sets are fetched from instead of their public URLs (default: RNN_STUDIO_DATASETS_MIRROR). */
  datasetsMirror?: string;
}

/** What a client has to leave unread before the host drops it instead of buffering more. */
const DEFAULT_MAX_BUFFERED = 64 * 2 ** 20;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** True for the addresses only this machine can reach (no warning when the host listens on one of them). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase());
}

/**
 * The Host header values this server answers to, or null for any. A DNS-rebinding page reaches a loopback server
 * under its own name: checking Host (as Jupyter Server does) is what stops it, since its Origin then matches Host.
 */
export function allowedHostHeaders(host: string, port: number, extra: readonly string[] = []): Set<string> | null {
  if (host === '0.0.0.0' || host === '::') return null;
  const names = isLoopbackHost(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') ? `[${host}]` : host];
  return new Set([...names, ...extra].map((n) => `${n.toLowerCase()}:${port}`));
}

export interface WebServer {
  url: string;
  token: string;
  port: number;
  service: StudioService;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The token travels in the page URL: never send it on as a referrer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The default user-data folder of the browser host (the desktop app uses Electron's). */
export function defaultUserDataDir(): string {
  return process.env.RNN_STUDIO_USER_DATA || join(homedir(), '.rnn-studio');
}

export async function startWebServer(opts: WebServerOptions = {}): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('hex');
  const staticDir = opts.staticDir ?? join(repoRoot, 'dist', 'renderer');
  const userDataDir = opts.userDataDir ?? defaultUserDataDir();
  mkdirSync(userDataDir, { recursive: true });
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const service = new StudioService({
    userDataDir,
    host: 'web',
    appVersion: pkg.version,
    assetsDir: join(repoRoot, 'assets'),
    examplesDir: join(repoRoot, 'examples'),
    dataRoots: opts.dataRoots ?? [homedir()],
    ...((opts.datasetsMirror ?? process.env.RNN_STUDIO_DATASETS_MIRROR)
      ? { datasetsMirror: opts.datasetsMirror ?? process.env.RNN_STUDIO_DATASETS_MIRROR }
      : {}),
  });

  const serveStatic = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    } catch {
      // A malformed escape (e.g. "/%E0") from any page on this machine must not take the server down.
      res.writeHead(400, SECURITY_HEADERS).end('Bad request');
      return;
    }
    const file = normalize(join(staticDir, rel));
    if (!file.startsWith(staticDir + sep) || req.method !== 'GET') {
      res.writeHead(404, SECURITY_HEADERS).end('Not found');
      return;
    }
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Cache-Control': 'no-cache',
        })
        .end(body);
    } catch {
      res
        .writeHead(404, SECURITY_HEADERS)
        .end(
          existsSync(staticDir)
            ? 'Not found'
            : 'The renderer is not built: run `npm run build:renderer` (npm run web does it for you).',
        );
    }
  };

  // Known once listening (port 0 picks one).
  let hostOk: (value: string | undefined) => boolean = () => false;
  const server = createServer((req, res) => {
    if (!hostOk(req.headers.host)) {
      res.writeHead(403, SECURITY_HEADERS).end('Host not allowed');
      return;
    }
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const sockets = new Set<WebSocket>();
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  // A reset or malformed request on a plain HTTP connection: drop that connection, never the server.
  server.on('clientError', (_err, socket) => socket.destroy());

  server.on('upgrade', (req, socket, head) => {
    // Every socket handles 'error' (the ws rule): a peer that resets while we answer 401 must not take the host down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    const given = url.searchParams.get('token') ?? '';
    const origin = req.headers.origin;
    const expectedOrigin = `http://${req.headers.host}`;
    if (!hostOk(req.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    if (url.pathname !== '/api' || !sameToken(given, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    // Browsers always send Origin on WebSocket handshakes: a page from anywhere else is refused even with the token.
    if (origin !== undefined && origin !== expectedOrigin) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  /** Sends unless the client has stopped reading: past `maxBuffered` waiting bytes it is dropped instead. */
  const send = (ws: WebSocket, text: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + text.length > maxBuffered) {
      sockets.delete(ws);
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  const unsubscribe = service.onEvent((event) => {
    const msg = JSON.stringify({ event } satisfies WireMessage);
    for (const ws of sockets) send(ws, msg);
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A protocol error (oversized or unmasked frame, invalid UTF-8, bad opcode): ws closes that connection; the
    // listener keeps the error from becoming the process's.
    ws.on('error', () => sockets.delete(ws));
    ws.on('message', (raw) => {
      let id = -1;
      void (async () => {
        let reply: WireMessage;
        try {
          const msg = JSON.parse(raw.toString()) as { id?: unknown; method?: unknown; params?: unknown } | null;
          // The id first: a request with a usable id gets its error under that id, whatever else is wrong with it.
          const hasId = typeof msg?.id === 'number' && Number.isFinite(msg.id);
          if (hasId) id = msg!.id as number;
          if (!hasId || typeof msg?.method !== 'string')
            throw new ApiError(
              'Expected a request {"id": number, "method": string, "params": object}.',
              'invalid-argument',
            );
          reply = { id, result: await service.call(msg.method as never, msg.params) };
        } catch (e) {
          const err =
            e instanceof ApiError
              ? e
              : new ApiError(
                  e instanceof SyntaxError ? `Malformed request: ${e.message}` : String(e),
                  'invalid-argument',
                );
          reply = { id, error: { message: err.message, code: err.code } };
        }
        send(ws, JSON.stringify(reply));
      })();
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `Port ${opts.port ?? 5178} on ${host} is already in use: stop the other server or choose another with --port.`,
            )
          : e,
      );
    });
    server.listen(opts.port ?? 5178, host, resolveListen);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 5178);
  const allowed = allowedHostHeaders(host, port, opts.allowedHosts);
  hostOk = (value) => allowed === null || (value !== undefined && allowed.has(value.toLowerCase()));
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    service,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      await service.shutdown();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function parseCli(argv: string[]): WebServerOptions {
  const opts: WebServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--host' && v) {
      opts.host = v;
      i++;
    } else if (a === '--port' && v) {
      opts.port = Number(v);
      i++;
    } else if (a === '--user-data' && v) {
      opts.userDataDir = resolve(v);
      i++;
    } else if (a === '--allow-host' && v) {
      opts.allowedHosts = [...(opts.allowedHosts ?? []), v];
      i++;
    } else if (a === '--data-root' && v) {
      opts.dataRoots = [...(opts.dataRoots ?? []), resolve(v)];
      i++;
    } else if (a === '--datasets-mirror' && v) {
      opts.datasetsMirror = v;
      i++;
    } else
      throw new Error(
        `Unknown option ${a}. Usage: npm run web -- [--host 127.0.0.1] [--port 5178] [--user-data DIR] [--allow-host NAME] [--data-root DIR] [--datasets-mirror URL]`,
      );
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535))
    throw new Error(`--port must be 0–65535. Received: ${opts.port}.`);
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseCli(process.argv.slice(2));
  const s = await startWebServer({
    host: process.env.RNN_STUDIO_HOST,
    port: process.env.RNN_STUDIO_PORT ? Number(process.env.RNN_STUDIO_PORT) : undefined,
    ...opts,
  }).catch((e: unknown) => {
    console.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  if (!isLoopbackHost(opts.host ?? process.env.RNN_STUDIO_HOST ?? '127.0.0.1')) {
    console.warn(
      'Warning: listening beyond loopback. Anyone who can reach this port and learns the token can train and read runs; prefer an SSH tunnel.',
    );
  }
  console.log(`RNN Studio (browser host) — open ${s.url}`);
  console.log(`User data: ${s.service.runsDir.replace(/[/\\]runs$/, '')}`);
  const quit = () => void s.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
