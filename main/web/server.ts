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
}

export interface WebServer {
  url: string;
  token: string;
  port: number;
  service: StudioService;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
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
    userDataDir, host: 'web', appVersion: pkg.version, assetsDir: join(repoRoot, 'assets'), examplesDir: join(repoRoot, 'examples'),
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
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' }).end(body);
    } catch {
      res.writeHead(404, SECURITY_HEADERS).end(existsSync(staticDir) ? 'Not found' : 'The renderer is not built: run `npm run build:renderer` (npm run web does it for you).');
    }
  };

  const server = createServer((req, res) => {
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const given = url.searchParams.get('token') ?? '';
    const origin = req.headers.origin;
    const expectedOrigin = `http://${req.headers.host}`;
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

  const unsubscribe = service.onEvent((event) => {
    const msg = JSON.stringify({ event } satisfies WireMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (raw) => {
      let id = -1;
      void (async () => {
        let reply: WireMessage;
        try {
          const msg = JSON.parse(raw.toString()) as { id?: unknown; method?: unknown; params?: unknown };
          if (typeof msg.id !== 'number' || typeof msg.method !== 'string') throw new ApiError('Expected a request {"id": number, "method": string, "params": object}.', 'invalid-argument');
          id = msg.id;
          reply = { id, result: await service.call(msg.method as never, msg.params) };
        } catch (e) {
          const err = e instanceof ApiError ? e : new ApiError(e instanceof SyntaxError ? `Malformed request: ${e.message}` : String(e), 'invalid-argument');
          reply = { id, error: { message: err.message, code: err.code } };
        }
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      })();
    });
  });

  await new Promise<void>((r) => server.listen(opts.port ?? 5178, host, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port ?? 5178;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`, token, port, service,
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
    if (a === '--host' && v) { opts.host = v; i++; }
    else if (a === '--port' && v) { opts.port = Number(v); i++; }
    else if (a === '--user-data' && v) { opts.userDataDir = resolve(v); i++; }
    else throw new Error(`Unknown option ${a}. Usage: npm run web -- [--host 127.0.0.1] [--port 5178] [--user-data DIR]`);
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) throw new Error(`--port must be 0–65535. Received: ${opts.port}.`);
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseCli(process.argv.slice(2));
  const s = await startWebServer({ host: process.env.RNN_STUDIO_HOST, port: process.env.RNN_STUDIO_PORT ? Number(process.env.RNN_STUDIO_PORT) : undefined, ...opts });
  if ((opts.host ?? process.env.RNN_STUDIO_HOST ?? '127.0.0.1') !== '127.0.0.1') {
    console.warn('Warning: listening beyond loopback. Anyone who can reach this port and learns the token can train and read runs; prefer an SSH tunnel.');
  }
  console.log(`RNN Studio (browser host) — open ${s.url}`);
  console.log(`User data: ${s.service.runsDir.replace(/[/\\]runs$/, '')}`);
  const quit = () => void s.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
