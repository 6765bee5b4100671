/**
 * Values written into generated Python source. Every string from a spec, a run or the user's settings goes through
 * here, so a name such as `C:\users\new`, a quote, `"""`, a newline or a NUL can neither break the script's syntax
 * nor become code. The output is pure ASCII: the script means the same whatever encoding it is later read with.
 */

/**
 * The body of a Python string literal (without its quotes) whose value is exactly `s`. Safe inside `"…"` and inside
 * a `"""…"""` docstring (so in comments too): it holds no raw double quote, backslash, line break, control or
 * non-ASCII character.
 */
export function pyStringBody(s: string): string {
  let out = '';
  // Code points, not UTF-16 units: Python reads `\ud83d\ude00` as two lone surrogates, not as one emoji.
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out;
}

/** A double-quoted Python string literal whose value is exactly `s`. */
export function pyString(s: string): string {
  return `"${pyStringBody(s)}"`;
}

/**
 * A Python expression for a JSON-like value: None, True/False, numbers (non-finite ones as `float("nan")` etc., which
 * Python has no literal for), strings via `pyString`, lists and dicts recursively.
 */
export function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'float("nan")';
    if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : '-float("inf")';
    return String(v);
  }
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyString(k)}: ${pyValue(x)}`)
      .join(', ')}}`;
  // Functions, symbols, bigints: never part of a spec; a string of them is still inert text, never code.
  return pyString(String(v));
}
