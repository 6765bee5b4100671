/**
 * JSON files users hand us (model specs for the CLI, Keras `to_json()` files, TF.js `model.json`, the JSON inside a
 * `.keras`, run folders) are read through here. Windows editors (Notepad, PowerShell's `Out-File -Encoding utf8`)
 * start UTF-8 files with a byte-order mark, which `JSON.parse` refuses; RFC 8259 lets parsers ignore it, so we do.
 */

/** `text` without one leading U+FEFF (a UTF-8 byte-order mark once decoded); anything else is left as it is. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
