import { ApiError } from '../../shared/api.js';

type ApiErrorCode = ApiError['code'];
const CODES: readonly ApiErrorCode[] = ['invalid-argument', 'not-found', 'unavailable', 'failed'];

export function toApiErrorCode(code: unknown): ApiErrorCode {
  return CODES.includes(code as ApiErrorCode) ? (code as ApiErrorCode) : 'failed';
}

// Electron's ipcRenderer.invoke rejects with "Error invoking remote method 'getRun': ApiError: No run x." —
// the user should read only the last part, the service's own message.
const ELECTRON_PREFIX = /^Error invoking remote method '[^']*':\s*(?:[A-Za-z]*Error:\s*)?/;

/** The message to show for anything a call rejected with (or a component threw). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(ELECTRON_PREFIX, '') || error.name;
  if (typeof error === 'string') return error.replace(ELECTRON_PREFIX, '');
  if (
    error &&
    typeof error === 'object' &&
    'message' in error &&
    typeof (error as { message: unknown }).message === 'string'
  ) {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** Any rejection as an ApiError with a clean message, whichever transport produced it. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code =
    error && typeof error === 'object' && 'code' in error
      ? toApiErrorCode((error as { code: unknown }).code)
      : 'failed';
  return new ApiError(errorMessage(error), code);
}
