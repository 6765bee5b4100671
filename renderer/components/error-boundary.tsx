import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';
import { errorMessage } from '../api/errors.js';

interface Props {
  /** Names the panel in the message, e.g. "Training". */
  name: string;
  children: ReactNode;
}

/** Keeps a bug in one panel from blanking the whole studio; the others (and the project) stay usable. */
export class ErrorBoundary extends Component<Props, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`The ${this.props.name} panel failed`, error, info.componentStack);
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="panel-error" role="alert" data-testid="panel-error">
        <h3>The {this.props.name} panel hit a problem</h3>
        <pre>{errorMessage(this.state.error)}</pre>
        <p>Your project is unchanged. You can retry this panel or keep working in the others.</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Retry panel
        </button>
      </div>
    );
  }
}
