import { Modal } from './modal.js';

/** Every keyboard shortcut the studio handles, grouped by where it works; keep in step with the keydown handlers. */
export const SHORTCUTS: { group: string; items: { keys: string[]; what: string }[] }[] = [
  {
    group: 'Anywhere',
    items: [
      { keys: ['Ctrl+Z'], what: 'Undo the last edit (⌘ on macOS)' },
      { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], what: 'Redo' },
      { keys: ['Ctrl+S'], what: 'Save the project' },
      { keys: ['Ctrl+Shift+S'], what: 'Save the project as…' },
      { keys: ['Alt+1 … Alt+5'], what: 'Open the Model, Data, Training, Runs or Predict tab' },
      { keys: ['?'], what: 'Show this list' },
      { keys: ['Escape'], what: 'Close a dialog' },
    ],
  },
  {
    group: 'Model: a focused layer',
    items: [
      { keys: ['Enter'], what: 'Select it (the inspector shows its settings)' },
      { keys: ['Delete', 'Backspace'], what: 'Remove it' },
      { keys: ['Alt+↑', 'Alt+↓'], what: 'Move it up or down' },
      { keys: ['Space'], what: 'Pick it up; arrows move it, Space drops it, Escape cancels' },
    ],
  },
  {
    group: 'Model: a focused palette item',
    items: [{ keys: ['Enter'], what: 'Add the layer at the end of the stack' }],
  },
  {
    group: 'Fields and Predict',
    items: [
      { keys: ['↑', '↓'], what: 'Step a number field up or down' },
      { keys: ['Ctrl+Enter'], what: 'Predict (in the Predict tab’s text box)' },
      { keys: ['Enter'], what: 'Confirm the Save as… dialog' },
    ],
  },
];

/** The '?' overlay: the shortcuts above, in a dialog that Escape or Close dismisses. */
export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Modal
      title="Keyboard shortcuts"
      onClose={onClose}
      testId="shortcuts-overlay"
      footer={
        <button type="button" data-testid="shortcuts-close" onClick={onClose}>
          Close
        </button>
      }
    >
      {SHORTCUTS.map((g) => (
        <section key={g.group} className="shortcut-group">
          <h4>{g.group}</h4>
          <dl className="shortcut-list">
            {g.items.map((s) => (
              <div key={s.keys.join()} className="shortcut-row">
                <dt>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 ? <span className="muted"> / </span> : null}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </dt>
                <dd>{s.what}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </Modal>
  );
}
