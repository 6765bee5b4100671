/** "New from template": the chapter's experiments, grouped by family, each with what it demonstrates. */
import { useState } from 'react';
import { TEMPLATES, TEMPLATE_FAMILIES } from '../../shared/templates.js';
import type { ExperimentTemplate } from '../../shared/templates.js';
import { Modal } from '../components/modal.js';
import { useToasts } from '../components/toasts.js';
import { useProject } from '../state/project-context.js';
import { useStudio } from '../state/studio-state.js';
import { describeLayer } from '../lib/spec-diff.js';
import { useConfirmDiscard } from '../state/unsaved-guard.js';

export function TemplateButton() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" data-testid="project-template" onClick={() => setOpen(true)}>
        New from template…
      </button>
      {open ? <TemplateDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function TemplateDialog({ onClose }: { onClose: () => void }) {
  const project = useProject();
  const confirmDiscard = useConfirmDiscard();
  const { setTab } = useStudio();
  const { notify } = useToasts();
  const use = async (t: ExperimentTemplate) => {
    if (!(await confirmDiscard('start from a template'))) return;
    project.load(structuredClone(t.spec), t.spec.name, null);
    onClose();
    setTab('builder');
    notify(
      'info',
      `${t.spec.name}: on the bundled sample; import your own data in the Data tab (the model stays). Runs of this family compare in the Runs tab.`,
    );
  };
  return (
    <Modal
      title="New from template"
      onClose={onClose}
      testId="template-dialog"
      footer={
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      }
    >
      {TEMPLATE_FAMILIES.map((f) => (
        <section key={f.id} className="template-family" data-testid={`template-family-${f.id}`}>
          <h4>{f.title}</h4>
          <p className="muted small">{f.explanation}</p>
          <ul className="template-list">
            {TEMPLATES.filter((t) => t.family === f.id).map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  className="link-button"
                  data-testid={`template-${t.id}`}
                  onClick={() => void use(t)}
                >
                  {t.title}
                </button>
                <span className="muted small"> {t.spec.layers.map((l) => describeLayer(l)).join(' → ')}</span>
                <div className="small">{t.explanation}</div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Modal>
  );
}
