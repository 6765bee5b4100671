/**
 * The book's data sets, fetched on first use as keras.datasets / keras.utils.get_file do: the IMDB reviews
 * (Stanford's aclImdb_v1.tar.gz, chapter 6.1) and the Jena climate CSV (chapter 6.3).
 *
 * {@link fetchDataset} streams the archive over http(s) into `<cache>/<id>/<file>.part`, resumes a partial file
 * with a Range request (and starts over cleanly when the server answers 200 instead of 206), reports progress,
 * checks the SHA-256 before renaming the file into place (a mismatch deletes it), honours an AbortSignal and
 * extracts into `<cache>/<id>/data/`, writing `.complete.json` last so a half-extracted folder is redone.
 * A second call finds the marker and makes no request at all.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  readdirSync,
  rmdirSync,
  ftruncateSync,
} from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname, join } from 'node:path';
import { listZip, readZipEntries } from '../interop/zip.js';
import { extractTarGz } from './tar.js';

export type DatasetId = 'imdb' | 'jena';

export interface DatasetEntry {
  id: DatasetId;
  title: string;
  /** What the data set is for, one line. */
  description: string;
  /** Where keras / the book downloads it. */
  url: string;
  /** The archive's file name in the cache (the URL's last segment). */
  fileName: string;
  archive: 'tar.gz' | 'zip';
  /** Archive size in bytes, as documented (used for the progress bar when the server sends no length). */
  bytes: number | null;
  /** SHA-256 of the archive (lower-case hex) when published somewhere trustworthy, else null (recorded on first download). */
  sha256: string | null;
  /** Where `sha256` / `bytes` come from. */
  checksumSource: string;
  /** The path to train on, relative to the extraction folder. */
  trainPath: string;
  /** Which loader reads trainPath. */
  kind: 'text' | 'timeseries';
}

export const DATASETS: readonly DatasetEntry[] = [
  {
    id: 'imdb',
    title: 'IMDB movie reviews (aclImdb v1)',
    description:
      '25,000 labelled training reviews in class folders pos/ and neg/ (Chollet 6.1); the unsup/ folder is skipped.',
    url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
    fileName: 'aclImdb_v1.tar.gz',
    archive: 'tar.gz',
    bytes: 84_125_825,
    sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
    checksumSource:
      'tensorflow/datasets, tensorflow_datasets/url_checksums/imdb_reviews.txt (MD5 7c2ac02c03563afcf9b574c7e56c153a in torchtext)',
    trainPath: 'aclImdb/train',
    kind: 'text',
  },
  {
    id: 'jena',
    title: 'Jena climate 2009–2016',
    description: '420,551 ten-minute readings of 14 weather measurements (Max Planck Institute, Jena; Chollet 6.3).',
    url: 'https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip',
    fileName: 'jena_climate_2009_2016.csv.zip',
    archive: 'zip',
    bytes: 13_568_290,
    sha256: null,
    checksumSource:
      'no published SHA-256 found; size 13,568,290 bytes as keras.utils.get_file reports it for the same file; the SHA-256 is recorded on first download',
    trainPath: 'jena_climate_2009_2016.csv',
    kind: 'timeseries',
  },
];

/** The catalog entry of `id`. @throws DatasetError (code 'unknown') for another id. */
export function datasetEntry(id: string): DatasetEntry {
  const e = DATASETS.find((d) => d.id === id);
  if (!e)
    throw new DatasetError(
      'unknown',
      `Unknown data set "${id}". Expected one of: ${DATASETS.map((d) => d.id).join(', ')}.`,
    );
  return e;
}

/** The URL the entry is fetched from: its own, or `baseUrl` + its file name (a mirror, or a test server). */
export function datasetUrl(entry: DatasetEntry, baseUrl?: string): string {
  if (!baseUrl) return entry.url;
  return new URL(entry.fileName, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

export type DatasetErrorCode = 'unknown' | 'offline' | 'http' | 'interrupted' | 'checksum' | 'aborted' | 'archive';

export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchProgress {
  phase: 'download' | 'verify' | 'extract';
  /** Bytes of the archive on disk so far (a resumed part counts), or bytes checked / extracted. */
  bytes: number;
  /** Archive size when known. */
  total: number | null;
  /** Download rate of this call, bytes per second (0 outside the download phase). */
  bytesPerSecond: number;
  /** Seconds left at that rate, or null when unknown. */
  etaSeconds: number | null;
  /** Bytes that were already on disk when this call started (resume). */
  resumedFrom: number;
}

export interface FetchDatasetOptions {
  /** Cache folder; the app passes `<user-data>/datasets`. */
  cacheDir: string;
  /** Fetch `<baseUrl>/<file name>` instead of the catalog URL (a mirror; tests use a local server). */
  baseUrl?: string;
  /** Expected SHA-256 instead of the catalog's (null: none known, record it). For mirrors of other files and tests. */
  sha256?: string | null;
  onProgress?: (p: FetchProgress) => void;
  signal?: AbortSignal;
  /** Milliseconds between progress reports (default 200); the last one always comes. */
  progressIntervalMs?: number;
}

export interface FetchDatasetResult {
  id: DatasetId;
  /** What to train on: the aclImdb/train folder (IMDB) or the CSV file (Jena). */
  path: string;
  kind: DatasetEntry['kind'];
  /** The folder the archive was extracted into. */
  extractedDir: string;
  /** The verified archive, kept in the cache so the extraction can be redone without a download. */
  archivePath: string;
  sha256: string;
  /** true when the catalog (or options) gave a SHA-256 and the file matched it; false when it was only recorded. */
  checksumKnown: boolean;
  /** false when everything came from the cache (no request made). */
  downloaded: boolean;
  /** Bytes received over the network by this call. */
  bytesReceived: number;
  /** Bytes of a partial download that this call resumed from (0 when it started from scratch). */
  resumedFrom: number;
}

interface Marker {
  id: DatasetId;
  sha256: string;
  archive: string;
  files: number;
  completedAt: string;
}

const MARKER = '.complete.json';
const MAX_REDIRECTS = 5;
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/** Where `fetchDataset` puts things for `id`, whether or not they exist yet. */
export function datasetPaths(id: DatasetId, cacheDir: string) {
  const entry = datasetEntry(id);
  const dir = join(cacheDir, id);
  const extractedDir = join(dir, 'data');
  return {
    dir,
    archive: join(dir, entry.fileName),
    part: join(dir, `${entry.fileName}.part`),
    extractedDir,
    marker: join(extractedDir, MARKER),
    trainPath: join(extractedDir, ...entry.trainPath.split('/')),
  };
}

function readMarker(file: string): Marker | null {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Marker;
    return typeof m?.sha256 === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** The cached, completely extracted data set, or null: no request, no hashing. For the UI's "downloaded" badge. */
export function cachedDataset(
  id: DatasetId,
  cacheDir: string,
  expectedSha256?: string | null,
): { path: string; sha256: string } | null {
  const entry = datasetEntry(id);
  const p = datasetPaths(id, cacheDir);
  const m = readMarker(p.marker);
  const expected = expectedSha256 === undefined ? entry.sha256 : expectedSha256;
  if (!m || (expected && m.sha256 !== expected.toLowerCase()) || !existsSync(p.trainPath)) return null;
  return { path: p.trainPath, sha256: m.sha256 };
}

function abortError(signal: AbortSignal | undefined): DatasetError {
  const why =
    signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? `: ${signal.reason.message}` : '';
  return new DatasetError(
    'aborted',
    `The download was cancelled${why}. The part downloaded so far is kept; fetching again resumes it.`,
  );
}

function offlineError(url: string, err: NodeJS.ErrnoException): DatasetError {
  const host = new URL(url).host;
  return new DatasetError(
    'offline',
    `could not reach ${host}: ${err.code ?? ''}${err.code ? ' ' : ''}${err.message}; download ${url} yourself and pass --data <path> (after extracting it).`,
  );
}

interface Response {
  res: http.IncomingMessage;
  url: string;
}

function request(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  redirects = 0,
): Promise<Response> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!lib) return reject(new DatasetError('http', `expected an http or https URL, received ${url}.`));
    const req = lib.get(
      u,
      {
        agent: false,
        headers: { 'user-agent': 'rnn-studio', 'accept-encoding': 'identity', ...headers },
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          if (redirects >= MAX_REDIRECTS)
            return reject(new DatasetError('http', `${url}: more than ${MAX_REDIRECTS} redirects.`));
          request(new URL(res.headers.location, u).toString(), headers, signal, redirects + 1).then(
            resolvePromise,
            reject,
          );
          return;
        }
        // Errors while reading the body (a dropped connection, an abort) reach the reader through its iterator;
        // this listener keeps a late duplicate from becoming an uncaught exception.
        res.on('error', () => {});
        resolvePromise({ res, url });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(abortError(signal));
      else if (e.code && OFFLINE_CODES.has(e.code)) reject(offlineError(url, e));
      else reject(new DatasetError('http', `${url}: ${e.message}`));
    });
  });
}

async function sha256File(file: string, onBytes?: (n: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    if (signal?.aborted) throw abortError(signal);
    hash.update(chunk as Buffer);
    n += (chunk as Buffer).length;
    onBytes?.(n);
  }
  return hash.digest('hex');
}

/** Streams the archive into `part` (resuming it when possible); returns what the network delivered. */
async function download(
  url: string,
  part: string,
  opts: FetchDatasetOptions,
  sizeHint: number | null,
): Promise<{ received: number; resumedFrom: number; total: number | null }> {
  let have = existsSync(part) ? statSync(part).size : 0;
  let { res } = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, opts.signal);
  let status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    // The part is no prefix of what the server has (or is already whole but was not verified): start over.
    res.resume();
    rmSync(part, { force: true });
    have = 0;
    ({ res } = await request(url, {}, opts.signal));
    status = res.statusCode ?? 0;
  }
  let total: number | null;
  if (status === 206 && have > 0) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== have) {
      res.resume();
      rmSync(part, { force: true });
      throw new DatasetError(
        'http',
        `${url}: asked for the bytes from ${have} on, received a range ${JSON.stringify(res.headers['content-range'] ?? '')}; the partial download was deleted, fetch again to start over.`,
      );
    }
    total = m[3] === '*' ? null : Number(m[3]);
  } else if (status === 200) {
    have = 0; // a server that ignores Range sends the whole file: start over
    const len = Number(res.headers['content-length']);
    total = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : null;
  } else {
    res.resume();
    throw new DatasetError(
      'http',
      `${url}: expected HTTP 200${have > 0 ? ' or 206' : ''}, received ${status} ${res.statusMessage ?? ''}`.trimEnd() +
        '.',
    );
  }
  const resumedFrom = have;
  const fd = openSync(part, have > 0 ? 'a' : 'w');
  if (have === 0) ftruncateSync(fd, 0);
  const started = Date.now();
  let received = 0;
  let lastReport = 0;
  const interval = opts.progressIntervalMs ?? 200;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastReport < interval)) return;
    lastReport = now;
    const seconds = Math.max((now - started) / 1000, 1e-3);
    const rate = received / seconds;
    const size = total ?? sizeHint;
    opts.onProgress({
      phase: 'download',
      bytes: have + received,
      total: size,
      bytesPerSecond: rate,
      etaSeconds: size !== null && rate > 0 ? Math.max(0, (size - have - received) / rate) : null,
      resumedFrom,
    });
  };
  try {
    for await (const chunk of res) {
      writeSync(fd, chunk as Buffer);
      received += (chunk as Buffer).length;
      report(false);
    }
  } catch (e) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    throw new DatasetError(
      'interrupted',
      `The download of ${url} was interrupted after ${have + received}${total !== null ? ` of ${total}` : ''} bytes (${(e as Error).message}). Fetch again to resume.`,
    );
  } finally {
    closeSync(fd);
  }
  if (opts.signal?.aborted) throw abortError(opts.signal);
  if (total !== null && have + received < total) {
    throw new DatasetError(
      'interrupted',
      `The download of ${url} stopped after ${have + received} of ${total} bytes. Fetch again to resume.`,
    );
  }
  report(true);
  return { received, resumedFrom, total: total ?? have + received };
}

async function extract(entry: DatasetEntry, archive: string, dest: string, opts: FetchDatasetOptions): Promise<number> {
  rmSync(dest, { recursive: true, force: true }); // a half-extracted folder (no marker) is redone from scratch
  mkdirSync(dest, { recursive: true });
  const progress = (bytes: number, total: number | null) =>
    opts.onProgress?.({ phase: 'extract', bytes, total, bytesPerSecond: 0, etaSeconds: null, resumedFrom: 0 });
  try {
    if (entry.archive === 'tar.gz') {
      let last = 0;
      const r = await extractTarGz(archive, dest, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        onEntry: (_name, bytes) => {
          const now = Date.now();
          if (now - last >= (opts.progressIntervalMs ?? 200)) {
            last = now;
            progress(bytes, null);
          }
        },
      });
      progress(r.bytes, r.bytes);
      return r.files;
    }
    const zip = readFileSync(archive);
    // macOS archivers add __MACOSX/._* resource forks beside the real files: not data.
    const names = listZip(zip, entry.fileName).filter((n) => !n.endsWith('/') && !n.startsWith('__MACOSX/'));
    const files = readZipEntries(zip, names, entry.fileName);
    let bytes = 0;
    for (const [name, data] of files) {
      const target = join(dest, ...name.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
      bytes += data.length;
      progress(bytes, null);
    }
    return files.size;
  } catch (e) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (e instanceof DatasetError) throw e;
    throw new DatasetError('archive', `${entry.fileName}: ${(e as Error).message}`);
  }
}

/**
 * Makes data set `id` available in `opts.cacheDir`, downloading and extracting it when needed, and returns the path
 * to train on. Safe to call again after any failure: a partial download resumes, a partial extraction is redone.
 * @throws DatasetError — code 'offline' (host unreachable; the message says how to download by hand), 'http',
 *   'interrupted' (the part is kept), 'checksum' (the file is deleted), 'aborted' (the part is kept), 'archive'.
 */
export async function fetchDataset(id: DatasetId, opts: FetchDatasetOptions): Promise<FetchDatasetResult> {
  const entry = datasetEntry(id);
  const p = datasetPaths(id, opts.cacheDir);
  const expected = (opts.sha256 === undefined ? entry.sha256 : opts.sha256)?.toLowerCase() ?? null;
  const base = {
    id,
    path: p.trainPath,
    kind: entry.kind,
    extractedDir: p.extractedDir,
    archivePath: p.archive,
    checksumKnown: expected !== null,
  };
  const cached = cachedDataset(id, opts.cacheDir, expected);
  if (cached) return { ...base, sha256: cached.sha256, downloaded: false, bytesReceived: 0, resumedFrom: 0 };
  if (opts.signal?.aborted) throw abortError(opts.signal);
  mkdirSync(p.dir, { recursive: true });

  let sha256: string;
  let bytesReceived = 0;
  let resumedFrom = 0;
  let downloaded = false;
  const verify = async (file: string, total: number | null) =>
    sha256File(
      file,
      (n) =>
        opts.onProgress?.({ phase: 'verify', bytes: n, total, bytesPerSecond: 0, etaSeconds: null, resumedFrom: 0 }),
      opts.signal,
    );
  const known = existsSync(p.archive) ? readMarker(`${p.archive}.sha256.json`) : null;
  if (existsSync(p.archive) && known && (!expected || known.sha256 === expected)) {
    sha256 = known.sha256; // verified when it was downloaded; only the extraction is missing
  } else {
    rmSync(p.archive, { force: true });
    const url = datasetUrl(entry, opts.baseUrl);
    const d = await download(url, p.part, opts, entry.bytes);
    bytesReceived = d.received;
    resumedFrom = d.resumedFrom;
    downloaded = true;
    sha256 = await verify(p.part, d.total);
    if (expected && sha256 !== expected) {
      rmSync(p.part, { force: true });
      try {
        if (readdirSync(p.dir).length === 0) rmdirSync(p.dir);
      } catch {
        // left as is
      }
      throw new DatasetError(
        'checksum',
        `${entry.fileName} from ${url}: expected SHA-256 ${expected}, received a file with SHA-256 ${sha256} (${d.total} bytes). It was deleted; the download was damaged or the file on the server changed.`,
      );
    }
    renameSync(p.part, p.archive);
    const record: Marker = { id, sha256, archive: entry.fileName, files: 0, completedAt: new Date().toISOString() };
    writeFileSync(`${p.archive}.sha256.json`, `${JSON.stringify(record, null, 2)}\n`);
  }
  const files = await extract(entry, p.archive, p.extractedDir, opts);
  if (!existsSync(p.trainPath)) {
    throw new DatasetError(
      'archive',
      `${entry.fileName}: expected ${entry.trainPath} in the archive, but it is not there.`,
    );
  }
  const marker: Marker = { id, sha256, archive: entry.fileName, files, completedAt: new Date().toISOString() };
  writeFileSync(p.marker, `${JSON.stringify(marker, null, 2)}\n`);
  return { ...base, sha256, downloaded, bytesReceived, resumedFrom };
}
