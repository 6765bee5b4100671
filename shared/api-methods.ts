/**
 * The names of the studio API's calls, dependency-free so the Electron preload (a sandboxed script) can expose one
 * function per call without bundling the schemas. `shared/api.ts` checks its schemas cover exactly these.
 */
export const API_METHODS = [
  'getEngineInfo',
  'listSamples',
  'previewData',
  'uploadData',
  'pickDataPath',
  'startRun',
  'controlRun',
  'listRuns',
  'getRun',
  'deleteRun',
  'renameRun',
  'setRunTags',
  'predictText',
  'predictSeries',
  'diagnoseRun',
  'insideRun',
  'listProjects',
  'loadProject',
  'saveProject',
  'exportRun',
  'importModel',
  'estimateRun',
  'replayRun',
  'listDatasets',
  'fetchDataset',
  'projectEmbedding',
  'nearestWords',
] as const;

export type ApiMethod = (typeof API_METHODS)[number];

/** IPC channel of one call (Electron), and of the event stream. */
export const ipcChannel = (method: ApiMethod): string => `studio:${method}`;
export const IPC_EVENT_CHANNEL = 'studio:event';

/** What crosses IPC for a call's answer: errors as data, because Electron rewrites rejected messages. */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: { message: string; code: string } };
