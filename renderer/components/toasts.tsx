import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/errors.js';

export type ToastKind = 'error' | 'info' | 'success';
interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

interface Toasts {
  notify(kind: ToastKind, message: string): void;
  /** Shows what a failed call said, prefixed with what the user was doing. */
  notifyError(what: string, error: unknown): void;
}

const ToastContext = createContext<Toasts | null>(null);
let nextToastId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const notify = useCallback(
    (kind: ToastKind, message: string) => {
      const id = nextToastId++;
      setToasts((all) => [...all.slice(-4), { id, kind, message }]);
      // Errors stay long enough to be read in full; confirmations go quickly.
      setTimeout(() => dismiss(id), kind === 'error' ? 12_000 : 4_000);
    },
    [dismiss],
  );
  // Last line of defence: a promise nobody handled still reaches the user as a message, not a silent failure.
  useEffect(() => {
    const onRejection = (e: PromiseRejectionEvent) => {
      e.preventDefault();
      notify('error', errorMessage(e.reason));
    };
    window.addEventListener('unhandledrejection', onRejection);
    return () => window.removeEventListener('unhandledrejection', onRejection);
  }, [notify]);
  const value = useMemo<Toasts>(
    () => ({
      notify,
      notifyError: (what, error) => notify('error', `${what}: ${errorMessage(error)}`),
    }),
    [notify],
  );
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast toast-${t.kind}`}
            data-testid="toast"
            data-kind={t.kind}
            role={t.kind === 'error' ? 'alert' : 'status'}
          >
            <span className="toast-message">{t.message}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToasts(): Toasts {
  const t = useContext(ToastContext);
  if (!t) throw new Error('ToastProvider is missing above this component.');
  return t;
}
