// The Embedding projector (issue #15, TensorBoard's projector): a finished text run's word vectors in 2-D by PCA or
// t-SNE, labelled by word, and the nearest neighbours (cosine, full embedding space) of a word the user types.
import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, LabelList, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { EmbeddingProjection, ProjectedWord, ProjectorMethod, WordNeighbours } from '../../shared/projector.js';
import { useApi } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';
import { useAction } from '../api/use-api-call.js';
import { CHART_COLORS, axisProps, gridProps, tooltipProps } from '../components/chart-style.js';
import '../training/charts.css';

/** Words labelled on the chart (the most frequent); every projected word is drawn and named on hover. */
const LABELLED = 150;
const NEIGHBOURS = 10;
/** Labels never take the pointer, so hovering a labelled dot shows its tooltip. */
const NO_POINTER = { pointerEvents: 'none' } as const;
const COLORS = {
  word: 'rgba(79, 163, 247, 0.45)',
  labelled: CHART_COLORS.primary,
  neighbour: CHART_COLORS.secondary,
  query: CHART_COLORS.danger,
};

/** Axis ticks with two significant digits (0.05, 0.1, 25), so close ticks never read the same. */
const tick = (v: number) => String(Number(v.toPrecision(2)));

const dot = (r: number, fill: string) => (p: { cx?: number; cy?: number }) => (
  <circle cx={p.cx} cy={p.cy} r={r} fill={fill} />
);

function WordTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: readonly { payload?: ProjectedWord & { similarity?: number } }[];
}) {
  const w = active ? payload?.[0]?.payload : undefined;
  if (!w) return null;
  return (
    <div style={tooltipProps.contentStyle} className="projector-tooltip" data-testid="projector-tooltip">
      <strong>{w.word}</strong>{' '}
      <span className="muted">
        #{w.index} · {w.count}×{w.similarity !== undefined ? ` · cos ${w.similarity.toFixed(3)}` : ''}
      </span>
    </div>
  );
}

/** Shown in a finished text run's details when its model has an Embedding; computes nothing until opened. */
export function ProjectorView({ runId }: { runId: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [method, setMethod] = useState<ProjectorMethod>('pca');
  const [projections, setProjections] = useState<Partial<Record<ProjectorMethod, EmbeddingProjection>>>({});
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [neighbours, setNeighbours] = useState<WordNeighbours | null>(null);
  const projection = projections[method];
  const finder = useAction(
    async (word: string) => setNeighbours(await api.nearestWords({ runId, word, k: NEIGHBOURS })),
    { onError: () => setNeighbours(null) },
  );
  const { busy: searching, error: searchError, setError: setSearchError } = finder;
  const search = (word: string) => {
    if (word.trim()) void finder.run(word.trim());
  };

  useEffect(() => {
    setProjections({});
    setNeighbours(null);
    setError(null);
    setSearchError(null);
  }, [runId, setSearchError]);

  useEffect(() => {
    if (!open || projection) return;
    let live = true;
    setError(null);
    api.projectEmbedding({ runId, method }).then(
      (p) => live && setProjections((all) => ({ ...all, [method]: p })),
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api, runId, method, open, projection]);

  const series = useMemo(() => {
    if (!projection) return null;
    const byIndex = new Map(projection.points.map((p) => [p.index, p]));
    const near = new Map((neighbours?.neighbours ?? []).map((n) => [n.index, n.similarity]));
    const queryPoint = neighbours ? (byIndex.get(neighbours.index) ?? null) : null;
    const rest: ProjectedWord[] = [];
    const labelled: ProjectedWord[] = [];
    const close: (ProjectedWord & { similarity: number })[] = [];
    projection.points.forEach((p, i) => {
      if (p === queryPoint) return;
      const s = near.get(p.index);
      if (s !== undefined) close.push({ ...p, similarity: s });
      else if (i < LABELLED) labelled.push(p);
      else rest.push(p);
    });
    return { rest, labelled, close, query: queryPoint ? [queryPoint] : [] };
  }, [projection, neighbours]);

  return (
    <section className="chart-card projector" data-testid="projector" data-open={open}>
      <div className="chart-head">
        <h4>Embedding projector</h4>
        {open ? (
          <span className="chart-scale" role="group" aria-label="projection method">
            {(['pca', 'tsne'] as const).map((m) => (
              <button
                key={m}
                type="button"
                className={method === m ? 'active' : ''}
                aria-pressed={method === m}
                data-testid={`projector-method-${m}`}
                title={
                  m === 'pca'
                    ? 'Principal components: a linear view, fast'
                    : 't-SNE: local neighbourhoods kept, seeded (a few seconds)'
                }
                onClick={() => setMethod(m)}
              >
                {m === 'pca' ? 'PCA' : 't-SNE'}
              </button>
            ))}
          </span>
        ) : (
          <button type="button" className="text-button" data-testid="projector-open" onClick={() => setOpen(true)}>
            Show the word vectors in 2-D
          </button>
        )}
      </div>
      {open ? (
        <>
          <div
            className="muted small"
            data-testid="projector-summary"
            data-method={projection?.method ?? ''}
            data-points={projection?.points.length ?? 0}
          >
            {error ? null : !projection ? (
              `Computing ${method === 'pca' ? 'PCA' : 't-SNE'} of the Embedding…`
            ) : (
              <>
                {projection.points.length} most frequent of {projection.vocabulary} words · {projection.weight} (
                {projection.rows} × {projection.dim})
                {projection.explainedVariance
                  ? ` · PC1 ${(projection.explainedVariance[0] * 100).toFixed(1)}%, PC2 ${(projection.explainedVariance[1] * 100).toFixed(1)}% of the variance`
                  : projection.tsne
                    ? ` · t-SNE perplexity ${projection.tsne.perplexity.toFixed(0)}, ${projection.tsne.iterations} steps, seed ${projection.tsne.seed}`
                    : ''}
                {` · ${projection.seconds.toFixed(1)} s · the ${Math.min(LABELLED, projection.points.length)} most frequent labelled, hover for the rest`}
              </>
            )}
          </div>
          {error ? (
            <div className="error-box" role="alert" data-testid="projector-error">
              {error}
            </div>
          ) : null}
          <div style={{ display: 'flex', gap: 12, alignItems: 'stretch', flexWrap: 'wrap' }}>
            <div
              className="chart-box"
              style={{ height: 420, flex: '3 1 420px' }}
              data-testid="projector-chart"
              data-points={projection?.points.length ?? 0}
              data-highlight={neighbours?.word ?? ''}
            >
              {series ? (
                <ResponsiveContainer width="100%" height="100%">
                  <ScatterChart margin={{ top: 10, right: 16, bottom: 4, left: 0 }}>
                    <CartesianGrid {...gridProps} />
                    <XAxis
                      type="number"
                      dataKey="x"
                      name={method === 'pca' ? 'PC1' : 't-SNE 1'}
                      domain={['auto', 'auto']}
                      {...axisProps}
                      tickFormatter={tick}
                    />
                    <YAxis
                      type="number"
                      dataKey="y"
                      name={method === 'pca' ? 'PC2' : 't-SNE 2'}
                      domain={['auto', 'auto']}
                      width={44}
                      {...axisProps}
                      tickFormatter={tick}
                    />
                    <Tooltip content={WordTooltip} isAnimationActive={false} cursor={false} />
                    <Scatter name="words" data={series.rest} shape={dot(2, COLORS.word)} isAnimationActive={false} />
                    <Scatter
                      name="frequent words"
                      data={series.labelled}
                      shape={dot(2.5, COLORS.labelled)}
                      isAnimationActive={false}
                    >
                      <LabelList
                        dataKey="word"
                        position="top"
                        style={NO_POINTER}
                        fontSize={9}
                        fill={CHART_COLORS.text}
                      />
                    </Scatter>
                    <Scatter
                      name="neighbours"
                      data={series.close}
                      shape={dot(4, COLORS.neighbour)}
                      isAnimationActive={false}
                    >
                      <LabelList
                        dataKey="word"
                        position="top"
                        style={NO_POINTER}
                        fontSize={11}
                        fill={COLORS.neighbour}
                      />
                    </Scatter>
                    <Scatter
                      name="searched word"
                      data={series.query}
                      shape={dot(6, COLORS.query)}
                      isAnimationActive={false}
                    >
                      <LabelList
                        dataKey="word"
                        position="top"
                        style={NO_POINTER}
                        fontSize={13}
                        fontWeight={700}
                        fill={COLORS.query}
                      />
                    </Scatter>
                  </ScatterChart>
                </ResponsiveContainer>
              ) : null}
            </div>
            <div style={{ flex: '1 1 220px', minWidth: 200 }} data-testid="projector-search-pane">
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  search(query);
                }}
                style={{ display: 'flex', gap: 6 }}
              >
                <input
                  type="text"
                  placeholder="Find a word…"
                  aria-label="Word to find"
                  data-testid="projector-search"
                  value={query}
                  onChange={(e) => setQuery(e.target.value)}
                />
                <button type="submit" data-testid="projector-search-go" disabled={searching || query.trim() === ''}>
                  Find
                </button>
              </form>
              {searchError ? (
                <div className="error-box" role="alert" data-testid="projector-search-error" style={{ marginTop: 6 }}>
                  {searchError}
                </div>
              ) : null}
              {neighbours ? (
                <>
                  <div className="small muted" style={{ margin: '6px 0 2px' }}>
                    Nearest to <strong data-testid="projector-query-word">{neighbours.word}</strong> (cosine similarity
                    over {neighbours.searched} words, all {projection?.dim ?? ''} dimensions)
                    {series && series.query.length === 0 ? ' · not among the projected words' : ''}
                  </div>
                  <table
                    className="data-table compact"
                    data-testid="projector-neighbours"
                    data-count={neighbours.neighbours.length}
                  >
                    <thead>
                      <tr>
                        <th>#</th>
                        <th>word</th>
                        <th className="num">cosine</th>
                      </tr>
                    </thead>
                    <tbody>
                      {neighbours.neighbours.map((n, i) => (
                        <tr key={n.index} data-testid={`projector-neighbour-${i}`} data-word={n.word}>
                          <td>{i + 1}</td>
                          <td>
                            <button
                              type="button"
                              className="link-button"
                              onClick={() => {
                                setQuery(n.word);
                                search(n.word);
                              }}
                            >
                              {n.word}
                            </button>
                          </td>
                          <td className="num">{n.similarity.toFixed(3)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              ) : (
                <p className="muted small" style={{ marginTop: 6 }}>
                  Type a word to highlight it and list its nearest neighbours in the full embedding space.
                </p>
              )}
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
