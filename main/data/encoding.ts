import { DataError } from './data-error.js';

/** Text encodings the importers accept. `auto` picks one per file (see {@link decodeText}). */
export type TextEncodingName = 'auto' | 'utf-8' | 'latin1' | 'windows-1252' | 'utf-16le';

/** An encoding that was actually used to decode bytes. */
export type ResolvedEncodingName = Exclude<TextEncodingName, 'auto'>;

/** All accepted names, for validating options that arrive as untyped JSON. */
export const TEXT_ENCODINGS: readonly TextEncodingName[] = ['auto', 'utf-8', 'latin1', 'windows-1252', 'utf-16le'];

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const UTF16LE_BOM = [0xff, 0xfe] as const;
const UTF16BE_BOM = [0xfe, 0xff] as const;

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a whole file's bytes to a string.
 *
 * `auto`: a UTF-8 byte-order mark → utf-8; a UTF-16LE mark → utf-16le; bytes that are valid UTF-8 → utf-8;
 * anything else → windows-1252. The last rule exists because older corpora such as rt-polarity are
 * Latin-1 / cp1252, and windows-1252 is a superset of Latin-1's printable range (its 0x80–0x9F bytes are
 * curly quotes, dashes and `…` in real files rather than C1 control codes). Pure-ASCII files are reported as utf-8.
 *
 * A byte-order mark is stripped whatever the encoding. `latin1` is true ISO-8859-1 (byte n → U+00n), unlike
 * WHATWG's `TextDecoder('latin1')`, which is windows-1252 under another name.
 *
 * @param file only used to name the file in a {@link DataError}.
 * @throws DataError when an explicitly chosen utf-8 / utf-16le does not fit the bytes, or the bytes are UTF-16BE
 *   (not supported), or the text is too long for one JavaScript string (about 512 Mi characters in V8).
 */
export function decodeText(
  bytes: Uint8Array,
  encoding: TextEncodingName = 'auto',
  file?: string,
): { text: string; encoding: ResolvedEncodingName } {
  const where = file === undefined ? {} : { file };
  if (!TEXT_ENCODINGS.includes(encoding)) {
    throw new DataError(
      `\`encoding\` must be one of ${TEXT_ENCODINGS.join(', ')}. Received: encoding=${JSON.stringify(encoding)}.`,
      where,
    );
  }
  let resolved: ResolvedEncodingName;
  if (encoding === 'auto') {
    if (startsWith(bytes, UTF8_BOM)) resolved = 'utf-8';
    else if (startsWith(bytes, UTF16LE_BOM)) resolved = 'utf-16le';
    else if (startsWith(bytes, UTF16BE_BOM)) {
      throw new DataError(
        'expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). ' +
          'Save the file as UTF-8.',
        where,
      );
    } else {
      // Decode once: keep the UTF-8 result when the bytes are valid rather than validating then decoding again.
      const utf8 = tryDecodeUtf8(bytes);
      if (utf8 !== null) return { text: stripBom(utf8), encoding: 'utf-8' };
      resolved = 'windows-1252';
    }
  } else {
    resolved = encoding;
  }
  try {
    return { text: stripBom(decodeAs(bytes, resolved)), encoding: resolved };
  } catch (error) {
    if (error instanceof DataError) throw error;
    if (isDecodeFailure(error)) {
      throw new DataError(
        `expected valid ${resolved} text, received bytes that are not (${describeInvalid(bytes, resolved)}). ` +
          'Choose encoding "auto" or the encoding the file was saved in.',
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
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
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
  return (
    error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
  );
}

function describeInvalid(bytes: Uint8Array, encoding: ResolvedEncodingName): string {
  if (encoding === 'utf-16le' && bytes.length % 2 === 1) return `odd length ${bytes.length}`;
  if (encoding === 'utf-8') {
    const offset = firstInvalidUtf8Offset(bytes);
    if (offset >= 0) return `byte 0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')} at offset ${offset}`;
  }
  return 'invalid sequence';
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. Only used for messages. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}
