/**
 * Run tags (setRunTags): free labels to find and group runs by. Each tag is trimmed, 1 to 40 characters without
 * control characters; a run has at most 10, duplicates (same text) dropped in first-seen order.
 */
export const MAX_RUN_TAGS = 10;
export const MAX_RUN_TAG_LENGTH = 40;

/** Why one tag would be refused, or null (after trimming). */
export function runTagProblem(tag: string): string | null {
  const t = tag.trim();
  if (t === '') return 'A tag needs at least one character';
  if ([...t].length > MAX_RUN_TAG_LENGTH)
    return `Tags are limited to ${MAX_RUN_TAG_LENGTH} characters ("${t.slice(0, 12)}…")`;
  if (![...t].every((c) => c >= ' ' && c !== '\x7f')) return 'Tags must not contain control characters';
  return null;
}

/** The tags trimmed and deduplicated, in first-seen order (empty entries dropped). */
export function normalizeRunTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const t = raw.trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out;
}

/** Why a whole tag list would be refused, or null: what the editor says before the call does. */
export function runTagsProblem(tags: readonly string[]): string | null {
  for (const t of tags) {
    const p = runTagProblem(t);
    if (p) return p;
  }
  const n = normalizeRunTags(tags).length;
  return n > MAX_RUN_TAGS ? `A run has at most ${MAX_RUN_TAGS} tags (${n} given)` : null;
}
