// How a selection is cut into uploadData calls: every byte sent once, in order, no call above the limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_SCHEMAS, MAX_WIRE_MESSAGE_BYTES } from '../../shared/api.js';
import type { WireRequest } from '../../shared/api.js';
import { createWebHost } from '../hosts/web-host.js';
import type { SocketLike } from '../hosts/web-host.js';
import { planUpload, selectUpload, sendUpload } from './upload.js';
import type { UploadSelection } from './upload.js';

const file = (relativePath: string, size: number) => ({
  relativePath,
  file: new Blob([new Uint8Array(size).map((_, i) => i % 251)]),
});
const selection = (...files: { relativePath: string; file: Blob }[]): UploadSelection => ({
  name: 'x',
  files,
  bytes: files.reduce((n, f) => n + f.file.size, 0),
});

test('planUpload: pieces at their offsets, at most chunkBytes per call, small files packed together', async () => {
  const cases: { files: [string, number][]; chunk: number; calls: number }[] = [
    { files: [['a.csv', 10]], chunk: 4, calls: 3 },
    { files: [['a.csv', 8]], chunk: 4, calls: 2 },
    {
      files: [
        ['d/a.txt', 1],
        ['d/b.txt', 1],
        ['d/c.txt', 1],
      ],
      chunk: 4,
      calls: 1,
    },
    {
      files: [
        ['d/a.txt', 3],
        ['d/b.txt', 3],
      ],
      chunk: 4,
      calls: 2,
    },
    {
      files: [
        ['empty.txt', 0],
        ['d/b.txt', 2],
      ],
      chunk: 4,
      calls: 1,
    },
  ];
  for (const c of cases) {
    const sel = selection(...c.files.map(([p, n]) => file(p, n)));
    const calls = planUpload(sel, c.chunk);
    assert.equal(calls.length, c.calls, JSON.stringify(c));
    for (const call of calls) assert.ok(call.reduce((n, p) => n + p.blob.size, 0) <= c.chunk, JSON.stringify(c));
    // Reassembled from the pieces, every file is byte for byte the original, each piece at the offset the server expects.
    for (const { relativePath, file: original } of sel.files) {
      const pieces = calls.flat().filter((p) => p.relativePath === relativePath);
      let offset = 0;
      for (const p of pieces) {
        assert.equal(p.offset, offset, relativePath);
        offset += p.blob.size;
      }
      assert.equal(offset, original.size, relativePath);
      const joined = new Uint8Array(await new Blob(pieces.map((p) => p.blob)).arrayBuffer());
      assert.deepEqual(joined, new Uint8Array(await original.arrayBuffer()), relativePath);
    }
  }
});

test('planUpload: thousands of small files go in a few calls, not one call each', () => {
  const files = Array.from({ length: 12_000 }, (_, i) => file(`reviews/pos/${i}.txt`, 200));
  const calls = planUpload(selection(...files));
  assert.equal(calls.length, 3, 'at most 5,000 files a call');
});

/** The browser's FileReader, which Node lacks: readAsBase64 goes through readAsDataURL. */
class NodeFileReader {
  result: string | null = null;
  error: Error | null = null;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  readAsDataURL(blob: Blob) {
    void blob.arrayBuffer().then((b) => {
      this.result = `data:application/octet-stream;base64,${Buffer.from(b).toString('base64')}`;
      this.onload?.();
    });
  }
}

/** A socket that keeps every text the web host sends and answers each upload call as the server would. */
class RecordingSocket implements SocketLike {
  readyState = 1;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
    const { id } = JSON.parse(data) as WireRequest;
    // The longest upload id the schema allows, so the continuation calls are as large as they can be.
    const result = { uploadId: 'u'.repeat(100), path: '/uploads/x', bytes: 0 };
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify({ id, result }) }));
  }
  close() {}
}

test('sendUpload: every message on the socket stays within the wire limit, whatever the file names', async (t) => {
  const hadReader = 'FileReader' in globalThis;
  if (!hadReader) (globalThis as { FileReader?: unknown }).FileReader = NodeFileReader;
  t.after(() => {
    if (!hadReader) delete (globalThis as { FileReader?: unknown }).FileReader;
  });
  // Names of the most characters the server accepts (1,000), in characters that grow on the wire: CJK is 3 bytes of
  // UTF-8, a control character is escaped to 6 (\u0001), a quote to 2; 4 KB files pack over a thousand to a call.
  const names: Record<string, (i: number) => string> = {
    cjk: (i) => `${i}/${'数'.repeat(1000)}`.slice(0, 1000),
    control: (i) => `${i}/${'\u0001\t'.repeat(500)}`.slice(0, 1000),
    quote: (i) => `${i}/${'"\\'.repeat(500)}`.slice(0, 1000),
  };
  for (const [kind, name] of Object.entries(names)) {
    const sel: UploadSelection = {
      ...selection(...Array.from({ length: 1040 }, (_, i) => file(name(i), 4096))),
      name: '数"\u0002'.repeat(66),
    };
    const socket = new RecordingSocket();
    const host = createWebHost({ url: 'ws://h/api?token=t', createSocket: () => socket });
    socket.onopen?.({});
    await sendUpload(host.api, sel);
    host.close();
    assert.ok(socket.sent.length >= 2, kind);
    const paths = new Set<string>();
    let content = 0;
    for (const text of socket.sent) {
      const bytes = Buffer.byteLength(text, 'utf8');
      assert.ok(bytes <= MAX_WIRE_MESSAGE_BYTES, `${kind}: a message of ${bytes} bytes`);
      const { params } = JSON.parse(text) as WireRequest;
      for (const f of API_SCHEMAS.uploadData.parse(params).files) {
        paths.add(f.relativePath);
        content += Buffer.from(f.contentBase64, 'base64').length;
      }
    }
    // Nothing was left out to fit: every file and every byte went.
    assert.equal(paths.size, 1040, kind);
    assert.equal(content, 1040 * 4096, kind);
  }
});

test('selectUpload: hidden files are skipped, an empty folder is refused', () => {
  const f = (name: string, rel: string) => Object.assign(new File(['x'], name), { webkitRelativePath: rel });
  const sel = selectUpload(
    [f('a.txt', 'data/pos/a.txt'), f('.DS_Store', 'data/.DS_Store'), f('x', 'data/.git/x')],
    true,
  );
  assert.deepEqual(
    sel.files.map((x) => x.relativePath),
    ['data/pos/a.txt'],
  );
  assert.equal(sel.name, 'data');
  assert.throws(() => selectUpload([f('.DS_Store', 'data/.DS_Store')], true), /holds no files/);
});
