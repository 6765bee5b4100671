/**
 * Generators for the host fuzzer (fuzz.test.ts): a seeded PRNG, WebSocket frames built byte by byte (RFC 6455 §5.2),
 * the raw-connection cases made of them (before and after the authenticated handshake), and API payloads derived from
 * the API's own schemas and then mutated. Everything here is pure: a case is a function of (seed, layer, index) and,
 * for API cases, of the context it is given (the ids the host handed out so far).
 */
import { mulberry32 } from '../../shared/seeded-random.js';

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------------------------

/** FNV-1a of a string: mixes (seed, layer, index) into the seed of one case. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** The generator of one case: independent of every other case, so one case replays alone. */
  static forCase(seed: number, layer: string, index: number): Rng {
    return new Rng(fnv1a(`${seed >>> 0}:${layer}:${index}`));
  }

  float(): number {
    return this.next();
  }

  /** 0 ≤ n < max. */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** lo ≤ n ≤ hi. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** One of the entries, each `[weight, value]`. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1]![1];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** Random text of `n` characters from a mix of ASCII, controls, accents, CJK, emoji and lone surrogates. */
  text(n: number): string {
    const pools = [
      'abcdefghijklmnopqrstuvwxyz0123456789',
      ' \t\r\n"\\/{}[]:,.-_%',
      'éüßñ€',
      '漢字テスト',
      '😀🚀',
      '\u0000\u0001\u001f\u007f',
      '\ud800\udfff\u200b\ufeff',
    ];
    let s = '';
    while (s.length < n) {
      const pool = this.pick(pools);
      const chars = Array.from(pool);
      s += this.pick(chars);
    }
    return s.slice(0, n);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket frames
// ---------------------------------------------------------------------------------------------------------------

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;
/** Opcodes RFC 6455 reserves: data 0x3–0x7, control 0xB–0xF. */
export const RESERVED_OPCODES = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf] as const;

export interface Frame {
  /** Default true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number (0 = all clear). */
  rsv?: number;
  opcode: number;
  payload?: Buffer;
  /** The 4-byte masking key; null sends the payload unmasked (a client must mask). Default: a fixed key. */
  mask?: Buffer | null;
  /** How the length is written: 7 bits, 16 bits (126) or 64 bits (127). Default: the shortest that fits. */
  lengthForm?: 7 | 16 | 64;
  /** The length written in the header, when it should differ from the payload's (a lie). */
  declaredLength?: number | bigint;
}

const DEFAULT_MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** One frame's bytes: header, extended length, masking key, (masked) payload. */
export function encodeFrame(f: Frame): Buffer {
  const payload = f.payload ?? Buffer.alloc(0);
  const declared = BigInt(f.declaredLength ?? payload.length);
  const form = f.lengthForm ?? (declared < 126n ? 7 : declared < 65536n ? 16 : 64);
  const mask = f.mask === undefined ? DEFAULT_MASK : f.mask;
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | (((f.rsv ?? 0) & 7) << 4) | (f.opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  let header: Buffer;
  if (form === 7) {
    header = Buffer.from([b0, maskBit | Number(declared & 0x7fn)]);
  } else if (form === 16) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(declared & 0xffffn), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(declared & 0xffffffffffffffffn, 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Splits the bytes a server sends into frames (unmasked, as servers send them; a masked one is unmasked too). */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): ServerFrame[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const out: ServerFrame[] = [];
    for (;;) {
      const b = this.pending;
      if (b.length < 2) break;
      const masked = (b[1]! & 0x80) !== 0;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const maskAt = at;
      if (masked) at += 4;
      if (b.length < at + len) break;
      const payload = Buffer.from(b.subarray(at, at + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ b[maskAt + (i & 3)]!;
      out.push({ fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload });
      this.pending = b.subarray(at + len);
    }
    return out;
  }
}

/** An HTTP/1.1 upgrade request; null leaves a header out. */
export function upgradeRequest(o: {
  path: string;
  host: string | null;
  origin?: string | null;
  key?: string | null;
  version?: string | null;
  upgrade?: string | null;
  extra?: string[];
}): string {
  const lines = [`GET ${o.path} HTTP/1.1`];
  if (o.host !== null) lines.push(`Host: ${o.host}`);
  if (o.upgrade !== null) lines.push(`Upgrade: ${o.upgrade ?? 'websocket'}`);
  lines.push('Connection: Upgrade');
  if (o.key !== null) lines.push(`Sec-WebSocket-Key: ${o.key ?? 'dGhlIHNhbXBsZSBub25jZQ=='}`);
  if (o.version !== null) lines.push(`Sec-WebSocket-Version: ${o.version ?? '13'}`);
  if (o.origin) lines.push(`Origin: ${o.origin}`);
  lines.push(...(o.extra ?? []));
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** How a raw case leaves: a TCP reset, a FIN (half close), or staying until the server answers or closes. */
export type Ending = 'reset' | 'end' | 'linger';

/**
 * What a raw case may check: the server closes the connection (a protocol violation, a close frame, our FIN), answers
 * each request id once and each ping with a pong (a valid sequence), or nothing beyond staying alive.
 */
export type Expectation = { kind: 'close' } | { kind: 'replies'; ids: number[]; pongs: number } | { kind: 'any' };

export interface RawCase {
  category: string;
  /** Written one after another; with `withHandshake` the first chunk follows the upgrade request in the same write. */
  chunks: Buffer[];
  ending: Ending;
  expect: Expectation;
  /** Frames sent in the same write as the upgrade request (ws gets them as the upgrade's `head`). */
  withHandshake: boolean;
}

export interface FrameContext {
  /** The host's largest accepted message (ws maxPayload). */
  maxPayload: number;
  /** A request id no other case uses. */
  requestId: number;
}

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, beyond U+10FFFF, truncated. */
const INVALID_UTF8 = [
  [0x80],
  [0xbf],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xc3, 0x28],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
].map((b) => Buffer.from(b));

/** Close codes a peer may not send (RFC 6455 §7.4): unassigned below 1000, reserved, never-on-the-wire, out of range. */
const INVALID_CLOSE_CODES = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999];

/** A cheap, side-effect-free request: the only kind a raw case asks the host to run. */
function request(rng: Rng, id: number, extra = ''): Buffer {
  const method = rng.pick(['getEngineInfo', 'listRuns', 'listProjects']);
  return Buffer.from(`{"id":${id},"method":"${method}","params":{${extra ? `"note":${JSON.stringify(extra)}` : ''}}}`);
}

function maskFor(rng: Rng): Buffer {
  return rng.bool(0.1) ? Buffer.alloc(4) : rng.bytes(4);
}

/** Cuts `buf` into 1–4 pieces at random places (TCP may join them again; the server must not care either way). */
export function splitChunks(rng: Rng, buf: Buffer): Buffer[] {
  if (buf.length < 2 || rng.bool(0.5)) return [buf];
  const cuts = [...new Set(Array.from({ length: rng.range(1, 3) }, () => rng.range(1, buf.length - 1)))].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    out.push(buf.subarray(at, c));
    at = c;
  }
  out.push(buf.subarray(at));
  return out;
}

/** Splits a message into 2–5 data fragments (first text/binary, then continuations), at arbitrary byte positions. */
function fragments(rng: Rng, opcode: number, payload: Buffer): Frame[] {
  const n = Math.min(payload.length, rng.range(2, 5));
  const cuts = [...new Set(Array.from({ length: n - 1 }, () => rng.range(1, Math.max(1, payload.length - 1))))].sort(
    (a, b) => a - b,
  );
  const pieces: Buffer[] = [];
  let at = 0;
  for (const c of cuts) {
    pieces.push(payload.subarray(at, c));
    at = c;
  }
  pieces.push(payload.subarray(at));
  return pieces.map((p, i) => ({
    opcode: i === 0 ? opcode : OP.continuation,
    fin: i === pieces.length - 1,
    payload: p,
    mask: maskFor(rng),
  }));
}

function controlFrame(rng: Rng, opcode: number, size = rng.range(0, 125)): Frame {
  return { opcode, payload: rng.bytes(size), mask: maskFor(rng) };
}

/** A frame with every field random (some valid by chance). */
function randomFrame(rng: Rng, maxPayload: number): Frame {
  const size = rng.weighted([
    [6, rng.range(0, 30)],
    [2, rng.range(126, 400)],
    [1, rng.range(0, 3000)],
  ] as const);
  const f: Frame = {
    fin: rng.bool(0.7),
    rsv: rng.bool(0.8) ? 0 : rng.range(1, 7),
    opcode: rng.int(16),
    payload: rng.bytes(size),
    mask: rng.bool(0.9) ? maskFor(rng) : null,
  };
  if (rng.bool(0.15)) f.lengthForm = rng.pick([7, 16, 64] as const);
  if (rng.bool(0.1)) f.declaredLength = rng.pick([0, size + 1, Math.max(0, size - 1), maxPayload + 1, 2 ** 32]);
  return f;
}

const frames = (list: Frame[]): Buffer => Buffer.concat(list.map(encodeFrame));

/** One case for a connection that passed the authenticated handshake. */
export function frameCase(rng: Rng, ctx: FrameContext): RawCase {
  const id = ctx.requestId;
  const violation = (category: string, bytes: Buffer, opts: { prefixValid?: boolean } = {}): RawCase => {
    // Sometimes a valid request goes first: the violation must still close the connection, and the host survive.
    const prefix =
      opts.prefixValid !== false && rng.bool(0.25)
        ? encodeFrame({ opcode: OP.text, payload: request(rng, id), mask: maskFor(rng) })
        : Buffer.alloc(0);
    const ending = rng.weighted([
      [6, 'linger'],
      [2, 'reset'],
      [2, 'end'],
    ] as const);
    return {
      category,
      chunks: splitChunks(rng, Buffer.concat([prefix, bytes])),
      ending,
      expect: ending === 'reset' ? { kind: 'any' } : { kind: 'close' },
      withHandshake: rng.bool(0.15),
    };
  };
  const valid = (category: string, list: Frame[], ids: number[], pongs: number): RawCase => ({
    category,
    chunks: splitChunks(rng, frames(list)),
    ending: 'linger',
    expect: { kind: 'replies', ids, pongs },
    withHandshake: rng.bool(0.15),
  });
  const anything = (
    category: string,
    bytes: Buffer,
    ending: Ending = rng.pick(['reset', 'end', 'linger'] as const),
  ): RawCase => ({
    category,
    chunks: splitChunks(rng, bytes),
    ending,
    expect: ending === 'end' ? { kind: 'close' } : { kind: 'any' },
    withHandshake: rng.bool(0.15),
  });

  const category = rng.weighted([
    [6, 'valid-request'],
    [5, 'valid-fragmented'],
    [2, 'valid-pipelined'],
    [2, 'valid-non-json'],
    [2, 'ping-burst'],
    [5, 'reserved-opcode'],
    [5, 'rsv-bits'],
    [4, 'unmasked'],
    [4, 'continuation-without-start'],
    [3, 'data-inside-fragments'],
    [4, 'fragmented-control'],
    [4, 'control-too-long'],
    [4, 'over-max-payload'],
    [3, 'length-64-msb'],
    [4, 'invalid-utf8'],
    [2, 'close-short'],
    [4, 'close-invalid-code'],
    [3, 'close-invalid-reason'],
    [2, 'close-valid'],
    [3, 'length-non-minimal'],
    [4, 'length-lie-short'],
    [4, 'length-lie-long'],
    [5, 'truncated-reset'],
    [4, 'random-bytes'],
    [8, 'random-frames'],
    [1, 'message-at-limit'],
    [1, 'message-over-limit'],
  ] as const);

  switch (category) {
    case 'valid-request': {
      const opcode = rng.bool(0.8) ? OP.text : OP.binary;
      return valid(category, [{ opcode, payload: request(rng, id), mask: maskFor(rng) }], [id], 0);
    }
    case 'valid-fragmented': {
      // Multi-byte characters so that some cuts fall inside one; pings (and unsolicited pongs) between fragments.
      const list = fragments(
        rng,
        rng.bool(0.8) ? OP.text : OP.binary,
        request(rng, id, 'é€😀漢'.repeat(rng.range(1, 4))),
      );
      let pings = 0;
      const out: Frame[] = [];
      list.forEach((f, i) => {
        out.push(f);
        if (i < list.length - 1 && rng.bool(0.5)) {
          const isPing = rng.bool(0.7);
          if (isPing) pings++;
          out.push(controlFrame(rng, isPing ? OP.ping : OP.pong));
        }
      });
      return valid(category, out, [id], pings);
    }
    case 'valid-pipelined': {
      const n = rng.range(2, 6);
      const ids = Array.from({ length: n }, (_, i) => id * 10 + i);
      return valid(
        category,
        ids.map((i) => ({ opcode: OP.text, payload: request(rng, i), mask: maskFor(rng) })),
        ids,
        0,
      );
    }
    case 'valid-non-json': {
      // Every text message is answered, malformed ones with id -1.
      const payload = rng.pick([
        Buffer.alloc(0),
        Buffer.from(rng.text(rng.range(1, 200))),
        Buffer.from(' '),
        Buffer.from('null'),
        Buffer.from('[]'),
        rng.bytes(rng.range(1, 200)),
      ]);
      const opcode = rng.bool(0.7) ? OP.text : OP.binary;
      // Random bytes in a text frame are usually invalid UTF-8 (a close, not a reply): send those as binary.
      const isUtf8 = Buffer.from(payload.toString('utf8'), 'utf8').equals(payload);
      return valid(category, [{ opcode: isUtf8 ? opcode : OP.binary, payload, mask: maskFor(rng) }], [-1], 0);
    }
    case 'ping-burst': {
      const n = rng.range(5, 60);
      return valid(
        category,
        Array.from({ length: n }, () => controlFrame(rng, OP.ping, rng.range(0, 125))),
        [],
        n,
      );
    }
    case 'reserved-opcode':
      return violation(
        category,
        encodeFrame({
          opcode: rng.pick(RESERVED_OPCODES),
          fin: rng.bool(0.8),
          payload: rng.bytes(rng.range(0, 40)),
          mask: maskFor(rng),
        }),
      );
    case 'rsv-bits': {
      const opcode = rng.pick([OP.text, OP.binary, OP.ping, OP.pong]);
      const payload = opcode === OP.text || opcode === OP.binary ? request(rng, id + 1) : rng.bytes(rng.range(0, 20));
      return violation(category, encodeFrame({ opcode, rsv: rng.range(1, 7), payload, mask: maskFor(rng) }));
    }
    case 'unmasked':
      return violation(
        category,
        encodeFrame({
          opcode: rng.pick([OP.text, OP.binary, OP.ping, OP.close]),
          payload: rng.bool() ? request(rng, id + 1) : rng.bytes(rng.range(0, 20)),
          mask: null,
        }),
      );
    case 'continuation-without-start':
      return violation(
        category,
        encodeFrame({ opcode: OP.continuation, fin: rng.bool(), payload: request(rng, id + 1), mask: maskFor(rng) }),
        { prefixValid: rng.bool() },
      );
    case 'data-inside-fragments': {
      const first = { opcode: OP.text, fin: false, payload: Buffer.from('{"id":'), mask: maskFor(rng) };
      return violation(
        category,
        frames([first, { opcode: rng.pick([OP.text, OP.binary]), payload: request(rng, id + 1), mask: maskFor(rng) }]),
      );
    }
    case 'fragmented-control':
      return violation(
        category,
        encodeFrame({
          opcode: rng.pick([OP.ping, OP.pong, OP.close]),
          fin: false,
          payload: rng.bytes(rng.range(0, 20)),
          mask: maskFor(rng),
        }),
      );
    case 'control-too-long': {
      const opcode = rng.pick([OP.ping, OP.pong, OP.close]);
      const size = rng.pick([126, 127, rng.range(128, 1000), 65535]);
      let payload = rng.bytes(size);
      if (opcode === OP.close) payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('x'.repeat(size - 2))]);
      return violation(
        category,
        encodeFrame({ opcode, payload, mask: maskFor(rng), ...(rng.bool(0.3) ? { lengthForm: 64 as const } : {}) }),
      );
    }
    case 'over-max-payload': {
      // The header alone claims more than the host accepts: refused at once, before any of it arrives.
      const declared = rng.pick([
        ctx.maxPayload + 1,
        ctx.maxPayload + rng.range(2, 4096),
        ctx.maxPayload * 2,
        2 ** 32,
        2 ** 40,
        2 ** 53 - 1,
      ]);
      return violation(
        category,
        encodeFrame({
          opcode: rng.pick([OP.text, OP.binary, OP.continuation]),
          payload: rng.bytes(rng.range(0, 64)),
          declaredLength: declared,
          mask: maskFor(rng),
        }),
        { prefixValid: false },
      );
    }
    case 'length-64-msb': {
      const declared = rng.pick([2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 60n + 5n]);
      return violation(
        category,
        encodeFrame({
          opcode: OP.binary,
          payload: rng.bytes(8),
          declaredLength: declared,
          lengthForm: 64,
          mask: maskFor(rng),
        }),
        { prefixValid: false },
      );
    }
    case 'invalid-utf8': {
      const good = request(rng, id + 1, 'abc');
      const bad = rng.pick(INVALID_UTF8);
      const at = rng.range(0, good.length);
      const payload = Buffer.concat([good.subarray(0, at), bad, good.subarray(at)]);
      const list =
        rng.bool(0.4) && payload.length > 2
          ? fragments(rng, OP.text, payload)
          : [{ opcode: OP.text, payload, mask: maskFor(rng) }];
      return violation(category, frames(list));
    }
    case 'close-short':
      return violation(category, encodeFrame({ opcode: OP.close, payload: rng.bytes(1), mask: maskFor(rng) }));
    case 'close-invalid-code': {
      const code = rng.pick(INVALID_CLOSE_CODES);
      const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(rng.bool() ? 'bye' : '')]);
      return violation(category, encodeFrame({ opcode: OP.close, payload, mask: maskFor(rng) }));
    }
    case 'close-invalid-reason': {
      const code = rng.pick(VALID_CLOSE_CODES);
      const reason = Buffer.concat([Buffer.from('bye '), rng.pick(INVALID_UTF8)]);
      return violation(
        category,
        encodeFrame({
          opcode: OP.close,
          payload: Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]),
          mask: maskFor(rng),
        }),
      );
    }
    case 'close-valid': {
      // Not a violation, but a close all the same: the host answers it and closes.
      const code = rng.pick(VALID_CLOSE_CODES);
      const payload = rng.bool(0.2)
        ? Buffer.alloc(0)
        : Buffer.concat([
            Buffer.from([code >> 8, code & 0xff]),
            Buffer.from(rng.text(rng.range(0, 20)).replace(/[\ud800-\udfff]/g, ''), 'utf8').subarray(0, 100),
          ]);
      return violation(category, encodeFrame({ opcode: OP.close, payload, mask: maskFor(rng) }));
    }
    case 'length-non-minimal': {
      // A short message whose length is written in 16 or 64 bits: RFC 6455 says minimal, receivers may be lenient.
      return anything(
        category,
        encodeFrame({
          opcode: OP.text,
          payload: request(rng, id),
          mask: maskFor(rng),
          lengthForm: rng.pick([16, 64] as const),
        }),
        rng.pick(['linger', 'reset'] as const),
      );
    }
    case 'length-lie-short': {
      // The header claims fewer bytes than follow: the rest is read as the next frame's header (garbage).
      const payload = request(rng, id);
      return anything(
        category,
        encodeFrame({ opcode: OP.text, payload, declaredLength: rng.range(0, payload.length - 1), mask: maskFor(rng) }),
      );
    }
    case 'length-lie-long': {
      // The header claims more than ever comes; the host must wait (bounded), and drop it on our FIN or reset.
      const payload = request(rng, id);
      const declared = rng.pick([
        payload.length + 1,
        payload.length + rng.range(2, 10_000),
        Math.min(ctx.maxPayload, 2 ** 24),
      ]);
      return anything(
        category,
        encodeFrame({ opcode: OP.text, payload, declaredLength: declared, mask: maskFor(rng) }),
        rng.pick(['reset', 'end'] as const),
      );
    }
    case 'truncated-reset': {
      const whole = frames([
        randomFrame(rng, ctx.maxPayload),
        { opcode: OP.text, payload: request(rng, id), mask: maskFor(rng) },
      ]);
      return anything(category, whole.subarray(0, rng.range(1, whole.length - 1)), 'reset');
    }
    case 'random-bytes':
      return anything(category, rng.bytes(rng.range(1, 2048)));
    case 'random-frames':
      return anything(
        category,
        frames(Array.from({ length: rng.range(1, 8) }, () => randomFrame(rng, ctx.maxPayload))),
      );
    case 'message-at-limit': {
      // Exactly the largest message the host takes: answered (with id -1: it is not JSON). Only when that is small.
      if (ctx.maxPayload > 16 * 2 ** 20)
        return anything(
          category,
          encodeFrame({
            opcode: OP.binary,
            payload: rng.bytes(1000),
            declaredLength: ctx.maxPayload,
            mask: maskFor(rng),
          }),
          'reset',
        );
      return valid(
        category,
        [{ opcode: OP.binary, payload: Buffer.alloc(ctx.maxPayload, 0x20 + rng.int(90)), mask: maskFor(rng) }],
        [-1],
        0,
      );
    }
    case 'message-over-limit': {
      // One byte over, split across two fragments so no single header claims too much: closed (1009) all the same.
      if (ctx.maxPayload > 16 * 2 ** 20) return anything(category, rng.bytes(100), 'reset');
      const half = Math.ceil((ctx.maxPayload + 1) / 2);
      return violation(
        category,
        frames([
          { opcode: OP.binary, fin: false, payload: Buffer.alloc(half, 0x61), mask: maskFor(rng) },
          { opcode: OP.continuation, payload: Buffer.alloc(ctx.maxPayload + 1 - half, 0x62), mask: maskFor(rng) },
        ]),
        { prefixValid: false },
      );
    }
  }
}

export interface PreAuthContext {
  /** host:port as the server expects the Host header. */
  host: string;
  token: string;
}

export interface PreAuthCase {
  category: string;
  chunks: Buffer[];
  ending: Ending;
  /** The request must never be answered with 101 Switching Protocols (no or bad credentials). */
  mustNotUpgrade: boolean;
}

/** One case for a fresh connection that has not authenticated: garbage, broken HTTP, refused upgrades, resets. */
export function preAuthCase(rng: Rng, ctx: PreAuthContext): PreAuthCase {
  const ending = rng.weighted([
    [5, 'linger'],
    [3, 'reset'],
    [2, 'end'],
  ] as const);
  const wrongToken = () =>
    rng.pick([
      '',
      'wrong',
      'x'.repeat(ctx.token.length),
      ctx.token.slice(0, -1),
      `${ctx.token}0`,
      ctx.token.toUpperCase() === ctx.token ? 'A'.repeat(ctx.token.length) : ctx.token.toUpperCase(),
      `${ctx.token.slice(0, -1)}${ctx.token.endsWith('0') ? '1' : '0'}`,
      encodeURIComponent(rng.text(rng.range(1, 60)).replace(/[\ud800-\udfff]/g, '')),
      '%00',
      'a'.repeat(rng.range(100, 6000)),
    ]);
  const category = rng.weighted([
    [4, 'random-bytes'],
    [2, 'line-noise'],
    [3, 'odd-get'],
    [5, 'upgrade-bad-token'],
    [2, 'upgrade-no-token'],
    [2, 'upgrade-token-twice'],
    [2, 'upgrade-bad-host'],
    [2, 'upgrade-bad-origin'],
    [3, 'upgrade-bad-ws-headers'],
    [3, 'upgrade-good-then-cut'],
    [2, 'huge-header'],
    [2, 'partial-request'],
  ] as const);
  const text = (s: string, e: Ending = ending, mustNotUpgrade = true): PreAuthCase => ({
    category,
    chunks: splitChunks(rng, Buffer.from(s, 'latin1')),
    ending: e,
    mustNotUpgrade,
  });
  const goodPath = `/api?token=${ctx.token}`;
  switch (category) {
    case 'random-bytes':
      return { category, chunks: splitChunks(rng, rng.bytes(rng.range(1, 4096))), ending, mustNotUpgrade: true };
    case 'line-noise':
      return text(
        `${Array.from({ length: rng.range(1, 8) }, () => rng.bytes(rng.range(0, 80)).toString('latin1')).join('\r\n')}\r\n\r\n`,
      );
    case 'odd-get': {
      const path = rng.pick([
        '/',
        '/%E0',
        '/..%2f..%2fpackage.json',
        '/%00',
        `/${'a'.repeat(rng.range(1000, 12000))}`,
        '/api',
        '/api?token=',
        '*',
        'http://127.0.0.1/',
        '/\u00ff\u00fe',
      ]);
      const method = rng.pick(['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'BREW', 'G\u00c9T']);
      return text(
        `${method} ${path} HTTP/1.1\r\nHost: ${ctx.host}\r\nConnection: close\r\n${method === 'POST' ? 'Content-Length: 5\r\n\r\nhello' : '\r\n'}`,
      );
    }
    case 'upgrade-bad-token':
      return text(
        upgradeRequest({
          path: `/api?token=${wrongToken()}`,
          host: ctx.host,
          origin: rng.bool() ? `http://${ctx.host}` : null,
        }),
      );
    case 'upgrade-no-token':
      return text(
        upgradeRequest({
          path: rng.pick([
            '/api',
            '/api?',
            '/api?tok=' + ctx.token,
            `/API?token=${ctx.token}`,
            `/api/?token=${ctx.token}`,
            `//api?token=${ctx.token}`,
            `/?token=${ctx.token}`,
          ]),
          host: ctx.host,
        }),
      );
    case 'upgrade-token-twice':
      // URLSearchParams.get takes the first: a wrong one first must be refused.
      return text(upgradeRequest({ path: `/api?token=${wrongToken() || 'x'}&token=${ctx.token}`, host: ctx.host }));
    case 'upgrade-bad-host':
      return text(
        upgradeRequest({
          path: goodPath,
          host: rng.pick([
            null,
            'evil.example',
            `evil.example:${ctx.host.split(':')[1]}`,
            '',
            `${ctx.host}.evil`,
            '127.0.0.1',
          ]),
        }),
      );
    case 'upgrade-bad-origin':
      return text(
        upgradeRequest({
          path: goodPath,
          host: ctx.host,
          origin: rng.pick([
            'http://evil.example',
            'null',
            `https://${ctx.host}`,
            `http://${ctx.host}.evil`,
            'file://',
          ]),
        }),
      );
    case 'upgrade-bad-ws-headers': {
      // The token is right but the WebSocket headers are not (ws takes versions 8 and 13 only): 400, never 101.
      const which = rng.int(4);
      return text(
        upgradeRequest({
          path: goodPath,
          host: ctx.host,
          key: which === 0 ? rng.pick([null, '', 'short', '!!!!']) : undefined,
          version: which === 1 ? rng.pick([null, '7', '12', '14', 'x', '']) : undefined,
          upgrade: which === 2 ? rng.pick(['h2c', 'websocketx', '']) : undefined,
          extra:
            which === 3
              ? [
                  `Sec-WebSocket-Extensions: ${rng.pick(['permessage-deflate; client_max_window_bits=99', 'x-unknown', ';;;'])}`,
                  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
                ]
              : [],
        }),
      );
    }
    case 'upgrade-good-then-cut': {
      // A valid upgrade, then a reset (or FIN) during or right after the handshake, maybe with a frame piece in it.
      const req = Buffer.concat([
        Buffer.from(
          upgradeRequest({ path: goodPath, host: ctx.host, origin: rng.bool() ? `http://${ctx.host}` : null }),
        ),
        rng.bool(0.3) ? rng.bytes(rng.range(1, 20)) : Buffer.alloc(0),
      ]);
      const cut = rng.bool(0.5) ? req : req.subarray(0, rng.range(1, req.length));
      return {
        category,
        chunks: splitChunks(rng, cut),
        ending: rng.pick(['reset', 'end'] as const),
        mustNotUpgrade: false,
      };
    }
    case 'huge-header': {
      // Past Node's header limit (16 KiB) the request is refused whatever it carries; below it, only a good token upgrades.
      const size = rng.pick([9000, 17_000, 70_000]);
      const withToken = rng.bool();
      return text(
        upgradeRequest({ path: withToken ? goodPath : '/api', host: ctx.host, extra: [`X-Big: ${'b'.repeat(size)}`] }),
        ending,
        !withToken || size > 16_384,
      );
    }
    case 'partial-request': {
      const req = upgradeRequest({ path: rng.bool() ? goodPath : '/api?token=bad', host: ctx.host });
      return {
        category,
        chunks: [Buffer.from(req.slice(0, rng.range(1, req.length - 4)))],
        ending: rng.pick(['reset', 'end'] as const),
        mustNotUpgrade: true,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// API payloads
// ---------------------------------------------------------------------------------------------------------------

/** The subset of JSON Schema (as zod's toJSONSchema writes it) the generator reads. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

export interface ApiContext {
  /** Every method the API declares (from its schemas and method list), so new methods are fuzzed too. */
  methods: readonly string[];
  schemas: Readonly<Record<string, JsonSchema>>;
  /** Ids the host handed out so far (upload ids, project ids…): valid strings for id-shaped parameters. */
  ids: readonly string[];
  /** Paths worth trying where a path goes: inside and outside the data roots, links, devices, relative. */
  paths: readonly string[];
  /** Real model specs (the examples) to start spec-shaped parameters from. */
  specs: readonly unknown[];
  /** Makes a params object safe to send (no real training); called before serializing. */
  defuse(method: string, params: unknown): void;
  /** The largest message the host accepts: a case never exceeds it (the frames layer covers larger ones). */
  maxBytes: number;
}

export interface ApiCase {
  category: string;
  /** The method named, when the message has one (for the report). */
  method: string;
  /** What is sent: a text frame (string) or a binary frame (Buffer). */
  data: string | Buffer;
}

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '',
  ' ',
  'then',
];
const UNKNOWN_METHODS = [
  'readFile',
  'eval',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'call',
  'calls',
  'shutdown',
  'launch',
  'resolveDataPath',
  '',
  ' ',
  'getEngineInfo ',
  'GETENGINEINFO',
  'getEngineInfo\u0000',
  'x'.repeat(5000),
];
const NAN_LIKE = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '0x10',
  '1e999',
  '',
  ' 1',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '0',
  '\u0000',
];
const HUGE_NUMBERS = [
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 64,
  1e21,
];
const ODD_NUMBERS = [-1, -0.5, 0.5, 1.5, -1e-9, 0.1, -100000, 3.000001];

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Sets an own, enumerable property (also for "__proto__", which an assignment would treat as the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
}

function regexString(rng: Rng, pattern: string, pool: readonly string[]): string {
  const re = new RegExp(pattern);
  const fromPool = pool.filter((s) => re.test(s));
  if (fromPool.length > 0 && rng.bool(0.5)) return rng.pick(fromPool);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
  for (let tries = 0; tries < 20; tries++) {
    const s = Array.from({ length: rng.range(1, 16) }, () => alphabet[rng.int(alphabet.length)]).join('');
    if (re.test(s)) return s;
  }
  return fromPool[0] ?? 'a';
}

/** A random JSON value of bounded size. */
export function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.bool();
    case 2:
      return rng.pick([0, 1, -1, 42, 1.5, 1e6, ...HUGE_NUMBERS, ...ODD_NUMBERS]);
    case 3:
      return rng.text(rng.range(0, 30));
    case 4:
      return rng.pick(NAN_LIKE);
    case 5:
      return Array.from({ length: rng.range(0, 4) }, () => randomJson(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.range(0, 4); i > 0; i--)
        setOwn(o, rng.bool(0.2) ? rng.pick(HOSTILE_KEYS) : rng.text(rng.range(1, 10)), randomJson(rng, depth + 1));
      return o;
    }
  }
}

/** A value that matches `schema` (as well as a JSON Schema can say), drawing on the context's ids, paths and specs. */
export function valueFor(rng: Rng, schema: JsonSchema, ctx: ApiContext, key = '', depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return rng.pick(schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return valueFor(rng, rng.pick(alternatives), ctx, key, depth);
  if (schema.allOf && schema.allOf.length > 0) return valueFor(rng, schema.allOf[0]!, ctx, key, depth);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      // A spec-shaped object (it has layers): most often one of the real specs, so checks beyond the schema run.
      if (schema.properties?.layers && ctx.specs.length > 0 && rng.bool(0.6)) return clone(rng.pick(ctx.specs));
      const o: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if (required.has(k) || rng.bool(0.5)) setOwn(o, k, valueFor(rng, s, ctx, k, depth + 1));
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && rng.bool(0.2))
        setOwn(o, rng.text(rng.range(1, 8)), randomJson(rng, depth + 1));
      return o;
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 3, min + 3);
      return Array.from({ length: rng.range(min, Math.max(min, max)) }, () =>
        valueFor(rng, schema.items ?? {}, ctx, key, depth + 1),
      );
    }
    case 'string': {
      if (schema.pattern) return regexString(rng, schema.pattern, ctx.ids);
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 60, 60);
      // Hints from the key's name: base64 content, paths and folders, names.
      if (/base64/i.test(key)) return base64Content(rng);
      if (/path|dir|folder/i.test(key) && rng.bool(0.7)) return rng.pick(ctx.paths);
      const s = rng.bool(0.3) ? rng.text(rng.range(min, Math.max(min, max))) : 'fuzz-' + rng.int(1e6).toString(36);
      return s.length >= min ? s.slice(0, Math.max(min, Math.min(s.length, max))) : s.padEnd(min, 'x');
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -10);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
      // Mostly small: a large offset or count is a mutation's job, not the valid base's.
      const n = rng.weighted([
        [3, min],
        [2, min + 1],
        [4, min + rng.int(Math.min(100, max - min + 1))],
        [1, max],
      ] as const);
      const v = Math.min(max, Math.max(min, n));
      return type === 'number' && rng.bool(0.2) ? v + 0.25 : v;
    }
    case 'boolean':
      return rng.bool();
    case 'null':
      return null;
    default:
      return randomJson(rng, depth + 1);
  }
}

/** Base64 of small content: random bytes, or the first bytes of a zip, an HDF5 file, a TF.js model.json, a CSV. */
function base64Content(rng: Rng): string {
  const magic = rng.pick([
    Buffer.alloc(0),
    Buffer.from('PK\u0003\u0004', 'latin1'),
    Buffer.from('\u0089HDF\r\n\u001a\n', 'latin1'),
    Buffer.from('{"modelTopology":{"class_name":"Sequential","config":{"layers":['),
    Buffer.from('{"format":"layers-model","weightsManifest":[{"paths":["../../x.bin"]'),
    Buffer.from('date,value\n1,2\n2,'),
    Buffer.from('\ufeffa,b\n'),
  ]);
  const content = Buffer.concat([magic, rng.bool(0.3) ? Buffer.alloc(0) : rng.bytes(rng.range(0, 1500))]);
  const b64 = content.toString('base64');
  // Mostly valid base64; sometimes not (bad characters, wrong padding), which the schema must refuse.
  return rng.bool(0.85)
    ? b64
    : rng.pick([`${b64}!`, b64.replace(/=+$/, ''), `${b64}====`, `${b64} `, 'not base64', '\u00e9\u00e9\u00e9\u00e9']);
}

const DEEP_LEAVES = ['0', '"x"', 'null', '{}', '[]'];

/**
 * A value nested `depth` levels deep, written out only when the message is serialized (expandDeep): deeper than
 * JSON.stringify itself can go, and invisible to the walks over the value before that.
 */
class Deep {
  constructor(
    readonly depth: number,
    readonly arrays: boolean,
    readonly leaf: number,
  ) {}
  toJSON(): string {
    return `\u0001DEEP:${this.depth}:${this.arrays ? 'a' : 'o'}:${this.leaf}\u0001`;
  }
}

/** Replaces each Deep placeholder in serialized JSON by its nesting. */
function expandDeep(json: string): string {
  return json.replace(/"\\u0001DEEP:(\d+):([ao]):(\d+)\\u0001"/g, (_m, depth: string, kind: string, leaf: string) => {
    const n = Math.min(Number(depth), 100_000);
    const open = kind === 'a' ? '[' : '{"a":';
    const close = kind === 'a' ? ']' : '}';
    return `${open.repeat(n)}${DEEP_LEAVES[Number(leaf)] ?? '0'}${close.repeat(n)}`;
  });
}

type Path = (string | number)[];

/** Every node of a JSON value with its path (the root's path is []). */
function nodes(
  value: unknown,
  path: Path = [],
  out: { path: Path; value: unknown }[] = [],
  depth = 0,
): { path: Path; value: unknown }[] {
  out.push({ path, value });
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Deep) return out;
  if (Array.isArray(value)) value.forEach((v, i) => nodes(v, [...path, i], out, depth + 1));
  else for (const [k, v] of Object.entries(value)) nodes(v, [...path, k], out, depth + 1);
  return out;
}

/** Replaces the node at `path` (the root when path is empty: returns the new root). */
function replaceAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  let parent = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[last as number] = value;
  else setOwn(parent as Record<string, unknown>, String(last), value);
  return root;
}

function deepValue(rng: Rng, depth: number): unknown {
  return new Deep(depth, rng.bool(), rng.int(DEEP_LEAVES.length));
}

/** Depths near the limits that matter: the spec check (64), JSON.stringify's stack (a few thousand), far beyond. */
const DEEP_DEPTHS = [65, 100, 1000, 3000, 4000, 4100, 4200, 5000, 10_000, 30_000];

export const MUTATIONS = [
  'wrong-type',
  'delete-key',
  'extra-key',
  'hostile-key',
  'huge-number',
  'nan-like-string',
  'odd-number',
  'long-string',
  'long-array',
  'deep-nesting',
  'random-json',
] as const;

/** Applies one named mutation at a random place of `root`; returns the new root. */
function mutate(rng: Rng, root: unknown, mutation: (typeof MUTATIONS)[number]): unknown {
  const all = nodes(root);
  const objects = all.filter(
    (n) => n.value !== null && typeof n.value === 'object' && !Array.isArray(n.value) && !(n.value instanceof Deep),
  );
  const target = rng.pick(all);
  switch (mutation) {
    case 'wrong-type': {
      const t = typeof target.value;
      const options: unknown[] = [null, true, 0, -1, 'str', [], {}, [1, 'a'], { x: 1 }].filter(
        (v) => typeof v !== t || Array.isArray(v) !== Array.isArray(target.value),
      );
      return replaceAt(root, target.path, rng.pick(options));
    }
    case 'delete-key': {
      if (objects.length === 0) return root;
      const o = rng.pick(objects).value as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length > 0) delete o[rng.pick(keys)];
      return root;
    }
    case 'extra-key':
    case 'hostile-key': {
      if (objects.length === 0) return root;
      const o = rng.pick(objects).value as Record<string, unknown>;
      const key = mutation === 'hostile-key' ? rng.pick(HOSTILE_KEYS) : rng.text(rng.range(1, 12));
      setOwn(
        o,
        key,
        mutation === 'hostile-key' && rng.bool() ? { polluted: true, runId: '../x', toString: 'x' } : randomJson(rng),
      );
      return root;
    }
    case 'huge-number': {
      const numbers = all.filter((n) => typeof n.value === 'number');
      return replaceAt(
        root,
        (numbers.length > 0 && rng.bool(0.7) ? rng.pick(numbers) : target).path,
        rng.pick(HUGE_NUMBERS),
      );
    }
    case 'nan-like-string': {
      const numbers = all.filter((n) => typeof n.value === 'number');
      return replaceAt(
        root,
        (numbers.length > 0 && rng.bool(0.7) ? rng.pick(numbers) : target).path,
        rng.pick(NAN_LIKE),
      );
    }
    case 'odd-number': {
      const numbers = all.filter((n) => typeof n.value === 'number');
      const t = numbers.length > 0 && rng.bool(0.8) ? rng.pick(numbers) : target;
      const base = typeof t.value === 'number' ? t.value : 1;
      return replaceAt(root, t.path, rng.pick([...ODD_NUMBERS, -base, base + 0.5, base - 1, -Math.abs(base) - 1]));
    }
    case 'long-string': {
      const strings = all.filter((n) => typeof n.value === 'string');
      const t = strings.length > 0 && rng.bool(0.8) ? rng.pick(strings) : target;
      const len = rng.pick([61, 81, 101, 201, 1001, 4097, 100_001, 300_000]);
      const unit = rng.pick(['a', 'é', '😀', '/', '../', '\u0000', 'x"\\']);
      return replaceAt(root, t.path, unit.repeat(Math.ceil(len / unit.length)).slice(0, len));
    }
    case 'long-array': {
      // Past the lists' limits (20 files, 200 layers) or just long: copies of an element the list already has.
      const arrays = all.filter((n) => Array.isArray(n.value));
      const t = arrays.length > 0 && rng.bool(0.8) ? rng.pick(arrays) : target;
      let element = Array.isArray(t.value) && t.value.length > 0 ? t.value[0] : randomJson(rng, 3);
      let text = JSON.stringify(element) ?? 'null';
      // Copies of a deep value would multiply its size: copy a plain one instead.
      if (text.includes('\\u0001DEEP')) [element, text] = [0, '0'];
      const n = Math.min(rng.pick([21, 201, 2001]), Math.floor(400_000 / (text.length + 1)));
      return replaceAt(
        root,
        t.path,
        Array.from({ length: n }, () => clone(element)),
      );
    }
    case 'deep-nesting':
      return replaceAt(root, target.path, deepValue(rng, rng.pick(DEEP_DEPTHS)));
    case 'random-json':
      return replaceAt(root, target.path, randomJson(rng));
  }
}

const NON_NUMERIC_IDS: unknown[] = ['1', '', null, true, false, [], [1], {}, { id: 1 }, 'NaN'];
/** Numeric ids a client might send; all finite (the reply must carry each one back). */
const ODD_NUMERIC_IDS = [
  0,
  -1,
  -0,
  1.5,
  -2.25,
  2 ** 53 - 1,
  2 ** 53 + 1,
  1e21,
  1e300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  4294967296,
];

/** Text that is not a JSON request at all (or not JSON). */
function nonJson(rng: Rng, valid: string): string | Buffer {
  return rng.pick<() => string | Buffer>([
    () => rng.text(rng.range(0, 300)),
    () => valid.slice(0, rng.range(0, Math.max(0, valid.length - 1))),
    () => `${valid}${rng.pick(['x', ',', '}', ' {}', '\u0000'])}`,
    () => `\ufeff${valid}`,
    () => valid.replace(/"/g, "'"),
    () => valid.replace(/}$/, ',}'),
    () => `/* c */${valid}`,
    () => '',
    () => ' \n\t ',
    () => rng.bytes(rng.range(1, 500)),
    () => Buffer.from(valid, 'utf16le'),
    () => '"'.repeat(rng.range(1, 1000)),
    () => '['.repeat(rng.range(1000, 60_000)),
    () => `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  ])();
}

/**
 * One API message: a request built from a method's schema and then mutated, or an unknown method, odd ids, non-object
 * params, a non-request document, or not JSON at all. `requestId` is the id a well-formed request carries.
 */
export function apiCase(rng: Rng, ctx: ApiContext, requestId: number): ApiCase {
  const category = rng.weighted([
    [3, 'valid'],
    [14, 'mutated'],
    [2, 'unknown-method'],
    [2, 'odd-method'],
    [2, 'non-object-params'],
    [2, 'non-numeric-id'],
    [2, 'odd-numeric-id'],
    [2, 'top-level-non-object'],
    [1, 'duplicate-keys'],
    [1, 'proto-envelope'],
    [1, 'number-overflow'],
    [3, 'non-json'],
  ] as const);
  const method = rng.pick(ctx.methods);
  const schema = ctx.schemas[method] ?? {};
  let params: unknown = valueFor(rng, schema, ctx);
  if (category === 'mutated') {
    const valid = clone(params);
    for (
      let n = rng.weighted([
        [5, 1],
        [3, 2],
        [1, 3],
      ] as const);
      n > 0;
      n--
    )
      params = mutate(rng, params, rng.pick(MUTATIONS));
    // Mutations stack (three long strings, a long list of them): keep the message well inside the host's limit.
    if (Buffer.byteLength(expandDeep(JSON.stringify(params) ?? 'null')) > ctx.maxBytes / 2) params = valid;
  }
  if (category === 'non-object-params') params = rng.pick<unknown>([null, 0, 'params', [], [{}], true, 1e308]);
  ctx.defuse(method, params);
  const paramsText = expandDeep(JSON.stringify(params) ?? 'null');
  let idText = String(requestId);
  let methodText = JSON.stringify(method);
  let tail = '';
  switch (category) {
    case 'unknown-method':
      methodText = JSON.stringify(rng.bool(0.3) ? rng.text(rng.range(1, 40)) : rng.pick(UNKNOWN_METHODS));
      break;
    case 'odd-method':
      methodText = JSON.stringify(
        rng.pick<unknown>([null, 0, true, [], {}, ['getEngineInfo'], { toString: 'getEngineInfo' }]),
      );
      break;
    case 'non-numeric-id':
      idText = JSON.stringify(rng.pick(NON_NUMERIC_IDS));
      if (rng.bool(0.2)) idText = '';
      break;
    case 'odd-numeric-id':
      idText = JSON.stringify(rng.pick(ODD_NUMERIC_IDS));
      break;
    case 'duplicate-keys':
      tail = rng.pick([
        `,"id":${JSON.stringify(rng.pick(NON_NUMERIC_IDS))}`,
        ',"method":"readFile"',
        ',"params":null',
        `,"id":${requestId + 0.5}`,
      ]);
      break;
    case 'proto-envelope':
      tail = rng.pick([
        ',"__proto__":{"id":7,"method":"getEngineInfo"}',
        ',"constructor":{"prototype":{"polluted":true}}',
        ',"prototype":1',
      ]);
      break;
    default:
      break;
  }
  let body = `${idText === '' ? '' : `"id":${idText},`}"method":${methodText},"params":${paramsText}${tail}`;
  if (category === 'number-overflow') {
    // Literals JSON.stringify never writes: beyond double range (Infinity once parsed), in params only.
    const numberLiteral = /(?<=[:[,])-?\d+(\.\d+)?([eE][+-]?\d+)?(?=[,\]}])/g;
    const literals = [...paramsText.matchAll(numberLiteral)];
    const replacement = rng.pick([
      '1e400',
      '-1e400',
      '1E+9999',
      '123456789012345678901234567890',
      '-0.0000000000000000000000000001e-400',
    ]);
    const p =
      literals.length > 0
        ? `${paramsText.slice(0, literals[0]!.index)}${replacement}${paramsText.slice(literals[0]!.index! + literals[0]![0].length)}`
        : `{"n":${replacement}}`;
    body = `"id":${idText},"method":${methodText},"params":${p}`;
  }
  const text = `{${body}}`;
  if (category === 'top-level-non-object') {
    return {
      category,
      method,
      data: rng.pick([
        `[${text}]`,
        `[${text},${text}]`,
        '42',
        '"getEngineInfo"',
        'null',
        'true',
        `{"request":${text}}`,
      ]),
    };
  }
  if (category === 'non-json') return { category, method, data: nonJson(rng, text) };
  // A valid request sometimes goes as a binary frame: the host reads both.
  return { category, method, data: rng.bool(0.1) ? Buffer.from(text) : text };
}

/**
 * The ids a reply to `data` may carry, as JSON writes them: a well-formed request (an object with a numeric id and a
 * string method) gets its own id back; anything else the host cannot identify gets -1. A malformed request that does
 * have a numeric id may get either (the host answers -1 today; answering with the id would be better, see the todo
 * in fuzz.test.ts).
 */
export function acceptableReplyIds(data: string | Buffer): string[] {
  let msg: unknown;
  try {
    msg = JSON.parse(typeof data === 'string' ? data : data.toString());
  } catch {
    return ['-1'];
  }
  if (msg === null || typeof msg !== 'object') return ['-1'];
  const { id, method } = msg as { id?: unknown; method?: unknown };
  if (typeof id !== 'number') return ['-1'];
  const own = JSON.stringify(id);
  if (typeof method === 'string') return [own];
  return own === '-1' ? ['-1'] : [own, '-1'];
}
