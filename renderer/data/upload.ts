/**
 * Browser import: files go to the server in uploadData calls of at most UPLOAD_CHUNK_BYTES each (large files in pieces,
 * small ones packed together), so no message is large enough to stall the host or exceed its message limit; the last
 * call's answer is the path to train on (or, for a model, the upload importModel takes).
 */
import { MAX_UPLOAD_BYTES, MAX_WIRE_MESSAGE_BYTES, UPLOAD_CHUNK_BYTES } from '../../shared/api.js';
import type { ApiParams, ApiResults, StudioCalls } from '../../shared/api.js';

export interface UploadSelection {
  name: string;
  files: { relativePath: string; file: Blob }[];
  bytes: number;
}

/** How far an upload is: bytes sent of the total, and the seconds left at the rate so far (null at the start). */
export interface UploadProgress {
  sent: number;
  total: number;
  secondsLeft: number | null;
}

/** A blob's bytes as base64 (what the API carries), through FileReader. */
export function readAsBase64(blob: Blob, name = 'the file'): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`Could not read ${name}: ${reader.error?.message ?? 'unknown error'}.`));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(blob);
  });
}

/** Dot-files (.DS_Store, .git) are never data; leaving them out keeps a folder's layout detection clean. */
function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

/** What a file input's selection uploads: one file, or a folder's visible files with their relative paths. */
export function selectUpload(fileList: FileList | readonly File[], folder: boolean): UploadSelection {
  const all = Array.from(fileList);
  const files = folder ? all.filter((f) => !isHidden(f.webkitRelativePath || f.name)) : all;
  if (files.length === 0)
    throw new Error(folder ? 'The folder holds no files (hidden files are skipped).' : 'No file was chosen.');
  const bytes = files.reduce((s, f) => s + f.size, 0);
  // Checked before reading anything: the server refuses the same limit, but only after the bytes travelled.
  if (bytes > MAX_UPLOAD_BYTES) {
    throw new Error(
      `Uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}; this selection is ${formatBytes(bytes)}. Put larger data on the training machine and give its path.`,
    );
  }
  const first = files[0]!;
  const name = folder ? first.webkitRelativePath.split('/')[0] || 'folder' : first.name;
  return {
    name: name.slice(0, 200),
    bytes,
    files: files.map((f) => ({ relativePath: folder ? f.webkitRelativePath || f.name : f.name, file: f })),
  };
}

const MAX_FILES_PER_CALL = 5_000;

const utf8 = new TextEncoder();
/** The bytes a value takes in the JSON text the web host sends (UTF-8, escapes included). */
function jsonBytes(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).byteLength;
}

/**
 * The calls an upload is sent in: every file cut into pieces at byte offsets, pieces packed so that each call carries
 * at most `chunkBytes` of content and 5,000 pieces, and its request, serialised as the web host sends it, is at most
 * `maxMessageBytes` of UTF-8. Names are counted in bytes after JSON escaping, not in characters: 1,000 CJK characters
 * are 3,000 bytes and a control character 6, so a character count let a legal folder exceed the host's message limit.
 * Pure: the pieces are blob slices.
 */
export function planUpload(
  selection: UploadSelection,
  chunkBytes = UPLOAD_CHUNK_BYTES,
  maxMessageBytes = MAX_WIRE_MESSAGE_BYTES,
): { relativePath: string; offset: number; blob: Blob }[][] {
  // The request around the files, at its largest: any request id, an upload id of the most characters allowed, `more`.
  const envelope = jsonBytes({
    id: Number.MAX_SAFE_INTEGER,
    method: 'uploadData',
    params: { name: selection.name, files: [], uploadId: 'x'.repeat(100), more: true },
  });
  const calls: { relativePath: string; offset: number; blob: Blob }[][] = [];
  let current: { relativePath: string; offset: number; blob: Blob }[] = [];
  let bytes = 0;
  let wire = envelope;
  const close = () => {
    if (current.length > 0) calls.push(current);
    current = [];
    bytes = 0;
    wire = envelope;
  };
  for (const { relativePath, file } of selection.files) {
    let offset = 0;
    do {
      // One piece on the wire: its object with empty content, the comma before it, then 4 base64 characters per 3 bytes.
      const pieceBytes = jsonBytes({ relativePath, offset, contentBase64: '' }) + 1;
      const contentRoom = () => Math.floor((maxMessageBytes - wire - pieceBytes) / 4) * 3;
      const wanted = file.size - offset;
      if (bytes >= chunkBytes || current.length >= MAX_FILES_PER_CALL || contentRoom() < Math.min(wanted, 1)) close();
      const take = Math.min(wanted, chunkBytes - bytes, contentRoom());
      if (take < Math.min(wanted, 1))
        throw new Error(`The file name ${relativePath.slice(0, 80)} is too long to upload.`);
      current.push({ relativePath, offset, blob: file.slice(offset, offset + take) });
      bytes += take;
      wire += pieceBytes + Math.ceil(take / 3) * 4;
      offset += take;
    } while (offset < file.size);
  }
  close();
  return calls;
}

/** Sends an upload call by call, reporting progress after each; resolves with the last call's answer. */
export async function sendUpload(
  api: Pick<StudioCalls, 'uploadData'>,
  selection: UploadSelection,
  onProgress: (p: UploadProgress) => void = () => {},
): Promise<ApiResults['uploadData']> {
  const calls = planUpload(selection);
  const started = performance.now();
  let sent = 0;
  let uploadId: string | undefined;
  let last: ApiResults['uploadData'] | null = null;
  onProgress({ sent, total: selection.bytes, secondsLeft: null });
  for (let i = 0; i < calls.length; i++) {
    const pieces = calls[i]!;
    const files: ApiParams<'uploadData'>['files'] = await Promise.all(
      pieces.map(async (p) => ({
        relativePath: p.relativePath,
        offset: p.offset,
        contentBase64: await readAsBase64(p.blob, p.relativePath),
      })),
    );
    last = await api.uploadData({
      name: selection.name,
      files,
      ...(uploadId ? { uploadId } : {}),
      ...(i < calls.length - 1 ? { more: true } : {}),
    });
    uploadId = last.uploadId;
    sent += pieces.reduce((n, p) => n + p.blob.size, 0);
    const elapsed = (performance.now() - started) / 1000;
    onProgress({
      sent,
      total: selection.bytes,
      secondsLeft: sent > 0 && elapsed > 0 ? ((selection.bytes - sent) * elapsed) / sent : null,
    });
  }
  return last!;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
