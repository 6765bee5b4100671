import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Modal } from '../components/modal.js';
import { useProject } from './project-context.js';

type ConfirmDiscard = (action: string) => Promise<boolean>;
const GuardContext = createContext<ConfirmDiscard | null>(null);

/**
 * Before anything replaces the open project (New, Open, a sample, a run's spec) with unsaved changes, ask —
 * in our own dialog, since window.confirm blocks the event loop (live charts freeze) and cannot be styled or tested.
 */
export function UnsavedGuardProvider({ children }: { children: ReactNode }) {
  const { dirty, state } = useProject();
  const [pending, setPending] = useState<{ action: string; resolve: (ok: boolean) => void } | null>(null);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older Chromium (Electron) still needs returnValue set to show the prompt.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const confirmDiscard = useCallback<ConfirmDiscard>((action) => {
    if (!dirtyRef.current) return Promise.resolve(true);
    return new Promise((resolve) => setPending({ action, resolve }));
  }, []);
  const answer = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const value = useMemo(() => confirmDiscard, [confirmDiscard]);
  return (
    <GuardContext.Provider value={value}>
      {children}
      {pending ? (
        <Modal
          title="Discard unsaved changes?"
          testId="unsaved-guard"
          onClose={() => answer(false)}
          footer={
            <>
              <button type="button" data-testid="unsaved-guard-cancel" data-autofocus onClick={() => answer(false)}>
                Keep editing
              </button>
              <button type="button" className="danger" data-testid="unsaved-guard-confirm" onClick={() => answer(true)}>
                Discard and {pending.action}
              </button>
            </>
          }
        >
          <p>
            “{state.name}” has changes that are not saved. {pending.action[0]!.toUpperCase() + pending.action.slice(1)}{' '}
            anyway and lose them?
          </p>
        </Modal>
      ) : null}
    </GuardContext.Provider>
  );
}

export function useConfirmDiscard(): ConfirmDiscard {
  const g = useContext(GuardContext);
  if (!g) throw new Error('UnsavedGuardProvider is missing above this component.');
  return g;
}
