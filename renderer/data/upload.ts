/** Browser import: files become base64 in one uploadData call; the server answers with the path to train on. */
import { MAX_UPLOAD_BYTES } from '../../shared/api.js';

export interface UploadPayload {
  name: string;
  files: { relativePath: string; contentBase64: string }[];
  bytes: number;
}

/** A file's bytes as base64 (what the API carries), through FileReader. */
export function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`Could not read ${file.name}: ${reader.error?.message ?? 'unknown error'}.`));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}

/** Dot-files (.DS_Store, .git) are never data; leaving them out keeps a folder's layout detection clean. */
function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

export async function prepareUpload(fileList: FileList | readonly File[], folder: boolean): Promise<UploadPayload> {
  const all = Array.from(fileList);
  const files = folder ? all.filter((f) => !isHidden(f.webkitRelativePath || f.name)) : all.slice(0, 1);
  if (files.length === 0) throw new Error(folder ? 'The folder holds no files (hidden files are skipped).' : 'No file was chosen.');
  const bytes = files.reduce((s, f) => s + f.size, 0);
  // Checked before reading anything: a larger upload would exceed one WebSocket message and drop the connection.
  if (bytes > MAX_UPLOAD_BYTES) {
    throw new Error(`Uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}; this selection is ${formatBytes(bytes)}. Put larger data on the training machine and give its path.`);
  }
  const first = files[0]!;
  const name = folder ? (first.webkitRelativePath.split('/')[0] || 'folder') : first.name;
  const encoded = await Promise.all(files.map(async (f) => ({ relativePath: folder ? f.webkitRelativePath || f.name : f.name, contentBase64: await readAsBase64(f) })));
  return { name: name.slice(0, 200), files: encoded, bytes };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
