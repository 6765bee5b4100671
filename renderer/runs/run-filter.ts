import type { RunState, RunSummary } from '../../shared/api.js';

/** The fields of a run the filter box looks at. */
export type FilterableRun = Pick<RunSummary, 'name' | 'tags' | 'templateFamily' | 'dataKind' | 'status'> & {
  id?: string;
};

/** One term of the filter box: `tag:x` (a tag equal to x) or free text (in the name, a tag, the family, the data kind, the status or id). */
export type FilterTerm = { kind: 'tag'; value: string } | { kind: 'text'; value: string };

/**
 * Splits the filter box into terms, all of which must match (case-insensitive). Whitespace separates terms;
 * double quotes keep spaces inside one (`"lr 0.01"`, `tag:"lr 0.01"`). An empty `tag:` is ignored.
 */
export function parseRunFilter(query: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  const re = /(tag:)?(?:"([^"]*)"?|(\S*))/gi;
  for (const m of query.matchAll(re)) {
    const value = (m[2] ?? m[3] ?? '').trim().toLowerCase();
    if (value === '') continue;
    terms.push(m[1] ? { kind: 'tag', value } : { kind: 'text', value });
  }
  return terms;
}

function termMatches(run: FilterableRun, term: FilterTerm): boolean {
  const tags = run.tags.map((t) => t.toLowerCase());
  if (term.kind === 'tag') return tags.includes(term.value);
  const fields = [run.name, run.status, run.templateFamily ?? '', run.dataKind ?? '', run.id ?? '', ...tags];
  return fields.some((f) => f.toLowerCase().includes(term.value));
}

/** The status select: every run, one status, or the runs still going (running or paused). */
export type StatusFilter = '' | 'active' | RunState;

export function statusMatches(status: RunState, filter: StatusFilter): boolean {
  if (filter === '') return true;
  if (filter === 'active') return status === 'running' || status === 'paused';
  return status === filter;
}

/** The runs that match every term of `query` and the status filter, in their order. */
export function filterRuns<R extends FilterableRun>(runs: readonly R[], query: string, status: StatusFilter = ''): R[] {
  const terms = parseRunFilter(query);
  return runs.filter((r) => statusMatches(r.status, status) && terms.every((t) => termMatches(r, t)));
}
