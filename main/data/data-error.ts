// The data layer's error type lives in shared/ (pure) so the shared CSV reader can throw it; re-exported here.
export { DataError, formatBytes, quoteList, quoteReceived } from '../../shared/data-error.js';
export type { DataErrorLocation } from '../../shared/data-error.js';
