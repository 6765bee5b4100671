// Shared by the service-level tests (studio, insight, faults): not a test itself.
import type { StudioEvent } from '../../shared/api.js';
import type { StudioService } from './studio-service.js';

/** Every event of the service until run `runId` ends (done or error), in order. */
export function waitForEnd(s: StudioService, runId: string): Promise<StudioEvent[]> {
  const events: StudioEvent[] = [];
  return new Promise((resolve) => {
    const off = s.onEvent((e) => {
      events.push(e);
      if (e.type === 'run' && e.runId === runId && (e.event.type === 'done' || e.event.type === 'error')) {
        off();
        resolve(events);
      }
    });
  });
}

/** Uploads files through the API in one call (tests: small files) and imports them as a model. */
export async function importFiles(s: StudioService, files: { name: string; content: Uint8Array | string }[]) {
  const { uploadId } = await s.call('uploadData', {
    name: 'model',
    files: files.map((f) => ({ relativePath: f.name, contentBase64: Buffer.from(f.content).toString('base64') })),
  });
  return s.call('importModel', { uploadId });
}
