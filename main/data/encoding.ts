import { DataError } from './data-error.js';
import type { DataErrorLocation } from './data-error.js';

/** Text encodings the importers accept. `auto` picks one per file (see {@link decodeText}). */
export type TextEncodingName = 'auto' | 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';

/** An encoding that was actually used to decode bytes. */
export type ResolvedEncodingName = Exclude<TextEncodingName, 'auto'>;

/** All accepted names, for validating options that arrive as untyped JSON. */
export const TEXT_ENCODINGS: readonly TextEncodingName[] = ['auto', 'utf-8', 'latin1', 'windows-1252', 'utf-16le'];

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const UTF16LE_BOM = [0xff, 0xfe] as const;
const UTF16BE_BOM = [0xfe, 0xff] as const;

/**
 * How many leading bytes decide whether a file is UTF-16 without a byte-order mark or binary: plenty for a
 * CSV header and hundreds of rows, and small enough that a 1 GiB file is judged without reading the rest of it.
 */
export const TEXT_SNIFF_BYTES = 64 * 1024;

/**
 * The bytes are not text in the encoding asked for (binary data, UTF-16BE, invalid sequences), as opposed to a
 * file that cannot be read at all. A reader of many one-document files can leave such a file out and say why.
 */
export class NotTextError extends DataError {
  /** Offset of the first NUL byte (or NUL UTF-16 character) when the bytes are binary data; else undefined. */
  readonly nulOffset?: number;

  constructor(detail: string, where: DataErrorLocation, options: { nulOffset?: number; cause?: unknown } = {}) {
    super(detail, where, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.nulOffset !== undefined) this.nulOffset = options.nulOffset;
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((b, i) => bytes[i] === b);
}

/** What the decoder will do after looking at the first bytes. `sniff-utf-8`: utf-8 when valid, else windows-1252. */
type Plan = { encoding: ResolvedEncodingName | 'sniff-utf-8'; why: string };

/**
 * Decodes a whole file's bytes to a string.
 *
 * `auto`: a UTF-8 byte-order mark → utf-8; a UTF-16LE mark → utf-16le; no mark but NUL bytes at most odd offsets
 * and few at even ones → utf-16le; bytes that are valid UTF-8 → utf-8; anything else → windows-1252. The last
 * rule exists because older corpora such as rt-polarity are Latin-1 / cp1252, and windows-1252 is a superset of
 * Latin-1's printable range (its 0x80–0x9F bytes are curly quotes, dashes and `…` in real files rather than C1
 * control codes). Pure-ASCII files are reported as utf-8.
 *
 * NUL never occurs in text files, so in every encoding a NUL character means binary data and is refused: found
 * in the first {@link TEXT_SNIFF_BYTES} bytes it is refused before anything is decoded (see {@link checkTextStart},
 * which lets a reader refuse a huge file after reading only its start), later in the file before decoding too.
 *
 * A byte-order mark is stripped whatever the encoding. `latin1` is true ISO-8859-1 (byte n → U+00n), unlike
 * WHATWG's `TextDecoder('latin1')`, which is windows-1252 under another name.
 *
 * @param file only used to name the file in a {@link DataError}.
 * @throws NotTextError (a DataError) for binary data, UTF-16BE (not supported), and an explicitly chosen encoding
 *   that does not fit the bytes (the message says what they look like).
 * @throws DataError for an unknown encoding name, or text too long for one JavaScript string (about 512 Mi
 *   characters in V8).
 */
export function decodeText(
  bytes: Uint8Array,
  encoding: TextEncodingName = 'auto',
  file?: string,
): { text: string; encoding: ResolvedEncodingName } {
  const where = file === undefined ? {} : { file };
  const plan = planDecoding(bytes.subarray(0, TEXT_SNIFF_BYTES), encoding, where);
  if (plan.encoding !== 'utf-16le') {
    // Past the sniffed start, one memchr-speed pass (about 0.1 s per GiB) finds a NUL before a slow decode of binary data.
    const nul = asBuffer(bytes).indexOf(0, TEXT_SNIFF_BYTES);
    if (nul >= 0) throw binaryData(bytes, nul, 'byte', where);
  }
  try {
    let text: string;
    let resolved: ResolvedEncodingName;
    if (plan.encoding === 'sniff-utf-8') {
      // Decode once: keep the UTF-8 result when the bytes are valid rather than validating then decoding again.
      const utf8 = tryDecodeUtf8(bytes);
      resolved = utf8 === null ? 'windows-1252' : 'utf-8';
      text = utf8 ?? decodeAs(bytes, resolved);
    } else {
      resolved = plan.encoding;
      text = decodeAs(bytes, resolved);
    }
    text = stripBom(text);
    if (resolved === 'utf-16le') {
      const nul = text.indexOf('\0');
      if (nul >= 0) throw binaryData(bytes, 2 * nul + (startsWith(bytes, UTF16LE_BOM) ? 2 : 0), 'character', where);
    }
    return { text, encoding: resolved };
  } catch (error) {
    if (error instanceof DataError) throw error;
    if (isDecodeFailure(error)) {
      const resolved = plan.encoding === 'sniff-utf-8' ? 'utf-8' : plan.encoding;
      throw new NotTextError(
        encoding === 'auto'
          ? `expected valid ${resolved} text (${plan.why}), received bytes that are not (${describeInvalid(bytes, resolved)}). ` +
              'Check that the file was saved completely, or choose the encoding it was saved in.'
          : `expected valid ${resolved} text, received bytes that are not (${describeInvalid(bytes, resolved)})` +
              `${resolved === 'utf-8' ? '; they look like Windows-1252 or Latin-1 text. Choose encoding "auto", "windows-1252" or "latin1".' : '. Choose encoding "auto" or the encoding the file was saved in.'}`,
        where,
        { cause: error },
      );
    }
    // V8 cannot build strings above ~512 Mi characters; the size limit on reading usually stops this earlier.
    throw new DataError(
      `expected text that fits in memory as one string, received ${bytes.length} bytes that do not ` +
        `(${error instanceof Error ? error.message : String(error)}).`,
      where,
      { cause: error },
    );
  }
}

/**
 * Checks the bytes of a file past its start as they are read, chunk by chunk: throws the NotTextError
 * {@link decodeText} would throw for a NUL in `bytes[from, to)` (`bytes` is the file so far, from offset 0).
 */
export type TextRestCheck = (bytes: Uint8Array, from: number, to: number) => void;

/**
 * Throws the error {@link decodeText} would throw for a file that starts with `head` because of its start alone:
 * a byte-order mark or NUL pattern that does not fit `encoding`, or binary data. Lets a reader refuse a 1 GiB
 * binary file after reading its first {@link TEXT_SNIFF_BYTES} bytes. When the start is fine, returns the check for
 * the rest, so that a NUL further on is refused in the chunk that holds it rather than after the whole file was read.
 *
 * @param head the file's first bytes (at least {@link TEXT_SNIFF_BYTES} of them, or the whole file when shorter).
 */
export function checkTextStart(head: Uint8Array, encoding: TextEncodingName = 'auto', file?: string): TextRestCheck {
  const where = file === undefined ? {} : { file };
  const plan = planDecoding(head.subarray(0, TEXT_SNIFF_BYTES), encoding, where);
  if (plan.encoding === 'utf-16le') {
    return (bytes, from, to) => {
      // UTF-16 units start at even offsets (after a 2-byte mark too); a 00 00 across two units is not a NUL.
      const buffer = asBuffer(bytes.subarray(0, to));
      for (let i = buffer.indexOf(NUL_UNIT, from & ~1); i >= 0; i = buffer.indexOf(NUL_UNIT, i + 1)) {
        if (i % 2 === 0) throw binaryData(bytes, i, 'character', where);
      }
    };
  }
  return (bytes, from, to) => {
    const nul = asBuffer(bytes.subarray(0, to)).indexOf(0, from);
    if (nul >= 0) throw binaryData(bytes, nul, 'byte', where);
  };
}

const NUL_UNIT = Buffer.from([0, 0]);

function planDecoding(head: Uint8Array, encoding: TextEncodingName, where: DataErrorLocation): Plan {
  if (!TEXT_ENCODINGS.includes(encoding)) {
    throw new DataError(
      `\`encoding\` must be one of ${TEXT_ENCODINGS.join(', ')}. Received: encoding=${JSON.stringify(encoding)}.`,
      where,
    );
  }
  const bom = startsWith(head, UTF8_BOM)
    ? 'utf-8'
    : startsWith(head, UTF16LE_BOM)
      ? 'utf-16le'
      : startsWith(head, UTF16BE_BOM)
        ? 'utf-16be'
        : null;
  const received = (detail: string, advice: string): NotTextError =>
    new NotTextError(`expected ${encoding} text, received ${detail}. ${advice}`, where);
  if (bom === 'utf-16be') {
    if (encoding === 'auto') {
      throw new NotTextError(
        'expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). ' +
          'Save the file as UTF-8.',
        where,
      );
    }
    throw received('UTF-16BE text (byte-order mark FE FF)', 'Save the file as UTF-8.');
  }
  if (bom === 'utf-16le') {
    if (encoding !== 'auto' && encoding !== 'utf-16le') {
      throw received('UTF-16LE text (byte-order mark FF FE)', 'Choose encoding "auto" or "utf-16le".');
    }
    checkUtf16Units(head, 2, where);
    return { encoding: 'utf-16le', why: 'byte-order mark FF FE' };
  }
  if (bom === 'utf-8') {
    if (encoding === 'utf-16le')
      throw received('UTF-8 text (byte-order mark EF BB BF)', 'Choose encoding "auto" or "utf-8".');
    const nul = asBuffer(head).indexOf(0);
    if (nul >= 0) throw binaryData(head, nul, 'byte', where);
    return { encoding: encoding === 'auto' ? 'utf-8' : encoding, why: 'byte-order mark EF BB BF' };
  }
  const nuls = countNuls(head);
  const look = utf16Look(nuls);
  if (look === 'utf-16be') {
    const detail = `UTF-16BE text without a byte-order mark (the file starts ${hexAt(head, 0)})`;
    if (encoding === 'auto') {
      throw new NotTextError(
        `expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received ${detail}. Save the file as UTF-8.`,
        where,
      );
    }
    throw received(detail, 'Save the file as UTF-8.');
  }
  if (encoding === 'utf-16le' || (encoding === 'auto' && look === 'utf-16le')) {
    if (encoding === 'utf-16le' && nuls.first < 0 && head.length >= MIN_BYTES_TO_CALL_UTF8 && isUtf8Prefix(head)) {
      // ASCII read as UTF-16LE is a valid string of CJK characters: without this the mistake shows up rows later.
      throw received(
        `bytes that look like UTF-8 text (no NUL bytes; the file starts ${hexAt(head, 0)})`,
        'Choose encoding "auto" or "utf-8".',
      );
    }
    checkUtf16Units(head, 0, where);
    return { encoding: 'utf-16le', why: 'no byte-order mark, but NUL bytes at odd offsets' };
  }
  if (look === 'utf-16le') {
    throw received(
      `bytes that look like UTF-16LE text without a byte-order mark (the file starts ${hexAt(head, 0)})`,
      'Choose encoding "auto" or "utf-16le".',
    );
  }
  if (nuls.first >= 0) throw binaryData(head, nuls.first, 'byte', where);
  return encoding === 'auto' ? { encoding: 'sniff-utf-8', why: 'valid UTF-8' } : { encoding, why: 'chosen' };
}

/** Below this many bytes a valid UTF-8 start says too little to overrule an explicit utf-16le. */
const MIN_BYTES_TO_CALL_UTF8 = 32;

interface NulCounts {
  /** Two-byte units looked at. */
  pairs: number;
  /** NUL bytes at even offsets (the low byte of a UTF-16LE unit). */
  even: number;
  /** NUL bytes at odd offsets (the high byte of a UTF-16LE unit). */
  odd: number;
  /** Units that read as control characters (U+0001–U+001F but tab, line feed, form feed, return) in UTF-16LE. */
  controlsLe: number;
  /** The same read as UTF-16BE. */
  controlsBe: number;
  /** Offset of the first NUL byte, or -1. */
  first: number;
}

function isControl(byte: number): boolean {
  return byte !== 0 && byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d;
}

function countNuls(sample: Uint8Array): NulCounts {
  const first = asBuffer(sample).indexOf(0);
  const pairs = sample.length >> 1;
  let even = 0;
  let odd = 0;
  let controlsLe = 0;
  let controlsBe = 0;
  if (first >= 0) {
    for (let i = 0; i < 2 * pairs; i += 2) {
      const a = sample[i] ?? 0;
      const b = sample[i + 1] ?? 0;
      if (a === 0) {
        even++;
        if (isControl(b)) controlsBe++;
      }
      if (b === 0) {
        odd++;
        if (isControl(a)) controlsLe++;
      }
    }
  }
  return { pairs, even, odd, controlsLe, controlsBe, first };
}

/**
 * UTF-16 text of any script with ASCII digits, spaces, punctuation or line breaks in it has NUL as the high byte
 * of at least one unit in eight, while its low byte is NUL only for rare characters (U+0100, U+3000, U+4E00…),
 * and those ASCII units are hardly ever control characters. Binary data has NUL at both parities (an all-NUL file
 * as many at each), and where it has them at one parity only (arrays of small 16-bit numbers) the units read as
 * control characters.
 */
function utf16Look(n: NulCounts): 'utf-16le' | 'utf-16be' | null {
  if (n.odd > 0 && n.odd * 8 >= n.pairs && n.even * 16 <= n.odd && n.controlsLe * 16 <= n.odd) return 'utf-16le';
  if (n.even > 0 && n.even * 8 >= n.pairs && n.odd * 16 <= n.even && n.controlsBe * 16 <= n.even) return 'utf-16be';
  return null;
}

/** Refuses a NUL character (00 00 on a unit boundary) among UTF-16LE units that start at `from`. */
function checkUtf16Units(head: Uint8Array, from: number, where: DataErrorLocation): void {
  for (let i = from; i + 1 < head.length; i += 2) {
    if (head[i] === 0 && head[i + 1] === 0) throw binaryData(head, i, 'character', where);
  }
}

function binaryData(
  bytes: Uint8Array,
  offset: number,
  unit: 'byte' | 'character',
  where: DataErrorLocation,
): NotTextError {
  const nul = unit === 'byte' ? 'a NUL byte' : 'a NUL character (00 00)';
  const shown = offset < 8 ? `the file starts ${hexAt(bytes, 0)}` : `the bytes from there are ${hexAt(bytes, offset)}`;
  return new NotTextError(
    `expected text, received binary data (${nul} at offset ${offset}; ${shown}). Choose a CSV or text file.`,
    where,
    { nulOffset: offset },
  );
}

/** Up to 8 bytes from `offset` in hex, with `…` when more follow. */
function hexAt(bytes: Uint8Array, offset: number): string {
  const shown = Array.from(bytes.subarray(offset, offset + 8), (b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return shown.join(' ') + (bytes.length > offset + 8 ? ' …' : '');
}

function asBuffer(bytes: Uint8Array): Buffer {
  // Buffer#indexOf is memchr; Uint8Array#indexOf is a plain loop, ~6× slower on a 1 GiB file.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isUtf8Prefix(head: Uint8Array): boolean {
  try {
    // stream: a multi-byte character cut by the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch (error) {
    if (isDecodeFailure(error)) return false;
    throw error;
  }
}

function decodeAs(bytes: Uint8Array, encoding: ResolvedEncodingName): string {
  switch (encoding) {
    case 'utf-8':
      // ignoreBOM: keep the mark so stripBom removes exactly one, whatever the decoder does.
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    case 'utf-16le':
      return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(bytes);
    case 'windows-1252':
      return decodeLatin1(dropUtf8Bom(bytes)).replace(C1_RANGE, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c);
    case 'latin1':
      return decodeLatin1(dropUtf8Bom(bytes));
    default: {
      const never: never = encoding;
      throw new DataError(`unknown encoding ${String(never)}.`);
    }
  }
}

/** ISO-8859-1: byte n is U+00n. */
function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

const C1_RANGE = /[\u0080-\u009f]/g;
/**
 * WHATWG index-windows-1252 for bytes 0x80–0x9F (the rest equals Latin-1). Done by hand because Node 20.18.3+
 * decodes `TextDecoder('windows-1252')` as Latin-1 (https://github.com/nodejs/node/issues/60888), which
 * would turn rt-polarity's "—" and "…" into control characters.
 */
const CP1252_C1 = String.fromCharCode(
  0x20ac,
  0x81,
  0x201a,
  0x192,
  0x201e,
  0x2026,
  0x2020,
  0x2021,
  0x2c6,
  0x2030,
  0x160,
  0x2039,
  0x152,
  0x8d,
  0x17d,
  0x8f,
  0x90,
  0x2018,
  0x2019,
  0x201c,
  0x201d,
  0x2022,
  0x2013,
  0x2014,
  0x2dc,
  0x2122,
  0x161,
  0x203a,
  0x153,
  0x9d,
  0x17e,
  0x178,
);

function dropUtf8Bom(bytes: Uint8Array): Uint8Array {
  // A UTF-8 mark in a file the user says is cp1252 is still a mark, not the text "ï»¿".
  return startsWith(bytes, UTF8_BOM) ? bytes.subarray(3) : bytes;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function tryDecodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    if (isDecodeFailure(error)) return null;
    throw error;
  }
}

function isDecodeFailure(error: unknown): boolean {
  return error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

function describeInvalid(bytes: Uint8Array, encoding: ResolvedEncodingName): string {
  if (encoding === 'utf-16le' && bytes.length % 2 === 1) return `odd length ${bytes.length}`;
  if (encoding === 'utf-8') {
    const offset = firstInvalidUtf8Offset(bytes);
    if (offset >= 0)
      return `byte 0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')} at offset ${offset}`;
  }
  return 'invalid sequence';
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. Only used for messages. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}
