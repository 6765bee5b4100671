/**
 * Form controls shared by the inspector, the data and the training panels. Number fields keep what the user
 * typed and hand on a number when it parses, the raw text otherwise: validation in shared/ then reports the
 * Keras-style message beside the field, and an invalid value can never be trained on by accident.
 */
import { useEffect, useId, useState } from 'react';
import type { ReactNode } from 'react';

export type NumberFieldValue = number | string;

export function parseNumberText(text: string): NumberFieldValue {
  const t = text.trim();
  if (t === '') return text;
  const n = Number(t);
  return Number.isFinite(n) ? n : text;
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value);
}

interface FieldProps {
  label: string;
  /** Shown under the control and as its tooltip. */
  help?: string;
  error?: string | null;
  /** A warning about the value (it is valid): shown like the error, in the warning colour. */
  warning?: string | null;
  testId?: string;
  children: (id: string) => ReactNode;
  /** Puts the control beside the label (checkboxes). */
  inline?: boolean;
  extra?: ReactNode;
}

export function Field({ label, help, error, warning, testId, children, inline, extra }: FieldProps) {
  const id = useId();
  return (
    <div className={`field${inline ? ' field-inline' : ''}${error ? ' field-invalid' : ''}`} title={help}>
      {inline ? (
        <>
          {children(id)}
          <label htmlFor={id}>{label}</label>
          {extra}
        </>
      ) : (
        <>
          <div className="field-label-row">
            <label htmlFor={id}>{label}</label>
            {extra}
          </div>
          {children(id)}
        </>
      )}
      {error ? (
        <div className="field-error" role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </div>
      ) : null}
      {!error && warning ? (
        <div className="field-warning" data-testid={testId ? `${testId}-warning` : undefined}>
          {warning}
        </div>
      ) : null}
      {help ? <div className="field-help">{help}</div> : null}
    </div>
  );
}

interface NumberInputProps {
  id?: string;
  value: unknown;
  onChange: (value: NumberFieldValue) => void;
  testId?: string;
  /** Arrow keys step by this much (1 for integers). */
  step?: number;
  disabled?: boolean;
  readOnly?: boolean;
  invalid?: boolean;
  ariaLabel?: string;
  placeholder?: string;
}

export function NumberInput({
  id,
  value,
  onChange,
  testId,
  step,
  disabled,
  readOnly,
  invalid,
  ariaLabel,
  placeholder,
}: NumberInputProps) {
  const [text, setText] = useState(toText(value));
  // Follow outside changes (undo, a synced field) without clobbering "0." while it is being typed.
  useEffect(() => {
    setText((current) => (parseNumberText(current) === value ? current : toText(value)));
  }, [value]);
  return (
    <input
      id={id}
      type="text"
      inputMode="decimal"
      spellCheck={false}
      autoComplete="off"
      className={`input-number${invalid ? ' invalid' : ''}`}
      data-testid={testId}
      aria-label={ariaLabel}
      aria-invalid={invalid || undefined}
      value={text}
      disabled={disabled}
      readOnly={readOnly}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseNumberText(e.target.value));
      }}
      onKeyDown={(e) => {
        if (!step || readOnly || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
        const current = parseNumberText(text);
        if (typeof current !== 'number') return;
        e.preventDefault();
        const next = Number((current + (e.key === 'ArrowUp' ? step : -step)).toPrecision(12));
        setText(String(next));
        onChange(next);
      }}
    />
  );
}

interface SelectProps<T extends string> {
  id?: string;
  value: T | '';
  options: readonly T[] | readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  testId?: string;
  disabled?: boolean;
  placeholder?: string;
}

export function Select<T extends string>({
  id,
  value,
  options,
  onChange,
  testId,
  disabled,
  placeholder,
}: SelectProps<T>) {
  const items = options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o));
  return (
    <select
      id={id}
      value={value}
      data-testid={testId}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value as T)}
    >
      {placeholder !== undefined || !items.some((o) => o.value === value) ? (
        <option value="" disabled>
          {placeholder ?? '—'}
        </option>
      ) : null}
      {items.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
