import { DataError, quoteReceived } from './data-error.js';

/** Keras's default `Tokenizer(filters=…)`: every character here becomes a word break. Note: no apostrophe. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/**
 * The out-of-vocabulary word stored at index 1 when `oovToken` is on. Its `<` and `>` are in the default filters,
 * so no token of a text can ever collide with it.
 */
export const OOV_TOKEN = '<OOV>';

/** Options of {@link Tokenizer.fit} and {@link tokenize}; Keras names in comments. */
export interface TokenizerOptions {
  /**
   * Keras `num_words`: ids kept are those < numWords, i.e. index 0 (padding), 1 (OOV, when on) and the most
   * frequent `numWords - 2` words (`numWords - 1` without OOV). Also the `vocabSize` of an Embedding layer.
   */
  numWords: number;
  /** Keras `lower`; default true. */
  lowercase?: boolean;
  /** Replace HTML tags such as IMDB's `<br />` with a space before splitting (not in Keras); default true. */
  stripHtml?: boolean;
  /** Keras `oov_token`: reserve index 1 for words outside the kept vocabulary; default true. */
  oovToken?: boolean;
  /** Keras `filters`; default {@link KERAS_FILTERS}. */
  filters?: string;
}

/** The text-processing part of {@link TokenizerOptions}. */
export type TokenizeOptions = Pick<TokenizerOptions, 'lowercase' | 'stripHtml' | 'filters'>;

// Only tag-like text: a `<` followed by a letter or `/letter`, so "a < b and c > d" survives.
const HTML_TAG = /<\/?[a-zA-Z][^<>]*>/g;
const WHITESPACE = /\s+/;
const filterPatterns = new Map<string, RegExp>();

function filterPattern(filters: string): RegExp | null {
  if (filters === '') return null;
  let pattern = filterPatterns.get(filters);
  if (pattern === undefined) {
    const escaped = [...filters].map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('');
    pattern = new RegExp(`[${escaped}]`, 'gu');
    filterPatterns.set(filters, pattern);
  }
  return pattern;
}

/**
 * Keras `text_to_word_sequence`: optionally strip HTML tags, lower-case, turn every filter character into a
 * space, split, drop empty strings. Keras splits on `' '` only; this splits on any whitespace run, so a `\r` or a
 * no-break space does not end up inside a word (the only intended difference).
 *
 * @example tokenize("It's <br />GREAT, isn't it?") // ["it's", "great", "isn't", "it"]
 */
export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  if (typeof text !== 'string') {
    throw new DataError(`expected a text string, received ${text === null ? 'null' : typeof text}.`);
  }
  let t = (opts.stripHtml ?? true) ? text.replace(HTML_TAG, ' ') : text;
  if (opts.lowercase ?? true) t = t.toLowerCase();
  const pattern = filterPattern(opts.filters ?? KERAS_FILTERS);
  if (pattern !== null) t = t.replace(pattern, ' ');
  return t.split(WHITESPACE).filter((w) => w !== '');
}

/**
 * Keras's `Tokenizer.to_json()` object (`config` values that are maps are JSON strings, as Keras writes them), so
 * `keras.preprocessing.text.tokenizer_from_json(JSON.stringify(json))` can load it. `rnnStudio` carries what
 * Keras has no field for; Keras ignores it.
 */
export interface KerasTokenizerJson {
  class_name: 'Tokenizer';
  config: {
    num_words: number | null;
    filters: string;
    lower: boolean;
    split: string;
    char_level: boolean;
    oov_token: string | null;
    document_count: number;
    word_counts: string;
    word_docs: string;
    index_docs: string;
    index_word: string;
    word_index: string;
  };
  rnnStudio: { stripHtml: boolean };
}

/**
 * Keras `Tokenizer` semantics: index 0 is padding, 1 is the OOV token (when on), words follow from the next
 * index in descending frequency, ties in order of first occurrence (Keras sorts `word_counts` by count with
 * Python's stable sort over insertion order). `wordIndex` holds every word seen, like Keras's `word_index`;
 * `numWords` only limits what {@link Tokenizer.textsToSequences} emits.
 */
export class Tokenizer {
  /** Word → index, every word seen while fitting plus the OOV token (if on). Like Keras `word_index`. */
  readonly wordIndex: Map<string, number>;
  /** Word → occurrences over all fitted texts, in order of first occurrence. Like Keras `word_counts`. */
  readonly wordCounts: Map<string, number>;
  /** Word → number of fitted texts containing it. Like Keras `word_docs`. */
  readonly wordDocs: Map<string, number>;
  /** Number of texts fitted. Like Keras `document_count`. */
  readonly documentCount: number;
  /** Ids emitted are < numWords (Keras `num_words`). */
  readonly numWords: number;
  /** The OOV word stored at index 1, or null when OOV is off (Keras `oov_token`). */
  readonly oovWord: string | null;
  /** How texts are split into words. */
  readonly textOptions: Required<TokenizeOptions>;

  private constructor(init: {
    wordIndex: Map<string, number>;
    wordCounts: Map<string, number>;
    wordDocs: Map<string, number>;
    documentCount: number;
    numWords: number;
    oovWord: string | null;
    textOptions: Required<TokenizeOptions>;
  }) {
    this.wordIndex = init.wordIndex;
    this.wordCounts = init.wordCounts;
    this.wordDocs = init.wordDocs;
    this.documentCount = init.documentCount;
    this.numWords = init.numWords;
    this.oovWord = init.oovWord;
    this.textOptions = init.textOptions;
  }

  /** Keras `Tokenizer(num_words, oov_token=…).fit_on_texts(texts)`. */
  static fit(texts: readonly string[], opts: TokenizerOptions): Tokenizer {
    checkNumWords(opts.numWords);
    const textOptions: Required<TokenizeOptions> = {
      lowercase: opts.lowercase ?? true,
      stripHtml: opts.stripHtml ?? true,
      filters: opts.filters ?? KERAS_FILTERS,
    };
    const wordCounts = new Map<string, number>();
    const wordDocs = new Map<string, number>();
    for (const text of texts) {
      const words = tokenize(text, textOptions);
      for (const w of words) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(words)) wordDocs.set(w, (wordDocs.get(w) ?? 0) + 1);
    }
    // Array.prototype.sort is stable (ES2019), matching Python's sort(reverse=True) on ties.
    const byCount = [...wordCounts.entries()].sort((a, b) => b[1] - a[1]);
    const oovWord = (opts.oovToken ?? true) ? OOV_TOKEN : null;
    const wordIndex = new Map<string, number>();
    if (oovWord !== null) wordIndex.set(oovWord, 1);
    for (const [word] of byCount) wordIndex.set(word, wordIndex.size + 1);
    return new Tokenizer({
      wordIndex,
      wordCounts,
      wordDocs,
      documentCount: texts.length,
      numWords: opts.numWords,
      oovWord,
      textOptions,
    });
  }

  /** Index 1 when OOV is on, else undefined. */
  get oovIndex(): number | undefined {
    return this.oovWord === null ? undefined : this.wordIndex.get(this.oovWord);
  }

  /** Splits one text the way this tokenizer was fitted. */
  tokenize(text: string): string[] {
    return tokenize(text, this.textOptions);
  }

  /**
   * Keras `texts_to_sequences`: each word's index if < numWords; otherwise (rare or unseen words) the OOV index
   * when OOV is on, or nothing (the word is dropped).
   */
  textsToSequences(texts: readonly string[]): number[][] {
    const oov = this.oovIndex;
    return texts.map((text) => {
      const seq: number[] = [];
      for (const w of this.tokenize(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && i < this.numWords) seq.push(i);
        else if (oov !== undefined) seq.push(oov);
      }
      return seq;
    });
  }

  /** Keras `Tokenizer.to_json()` as an object; see {@link KerasTokenizerJson}. */
  toJSON(): KerasTokenizerJson {
    const indexWord = new Map<number, string>();
    for (const [w, i] of this.wordIndex) indexWord.set(i, w);
    const indexDocs = new Map<number, number>();
    for (const [w, c] of this.wordDocs) {
      const i = this.wordIndex.get(w);
      if (i !== undefined) indexDocs.set(i, c);
    }
    return {
      class_name: 'Tokenizer',
      config: {
        num_words: this.numWords,
        filters: this.textOptions.filters,
        lower: this.textOptions.lowercase,
        split: ' ',
        char_level: false,
        oov_token: this.oovWord,
        document_count: this.documentCount,
        word_counts: mapToJson(this.wordCounts),
        word_docs: mapToJson(this.wordDocs),
        index_docs: mapToJson(indexDocs),
        index_word: mapToJson(indexWord),
        word_index: mapToJson(this.wordIndex),
      },
      rnnStudio: { stripHtml: this.textOptions.stripHtml },
    };
  }

  /**
   * Rebuilds a tokenizer from {@link Tokenizer.toJSON} output or from Keras's `tokenizer.to_json()` (object or
   * string). A Keras file has no `rnnStudio`, so HTML stripping is off (Keras never strips HTML).
   * @throws DataError when the JSON is not a word-level Keras tokenizer.
   */
  static fromJSON(json: unknown): Tokenizer {
    const root = typeof json === 'string' ? parseJsonOrThrow(json, 'the tokenizer JSON') : json;
    if (!isRecord(root) || root['class_name'] !== 'Tokenizer' || !isRecord(root['config'])) {
      throw new DataError(
        'expected a Keras tokenizer JSON ({"class_name": "Tokenizer", "config": {…}}), received something else.',
      );
    }
    const c = root['config'];
    if (c['char_level'] === true) {
      throw new DataError('expected a word-level tokenizer, received char_level=true.');
    }
    if (c['split'] !== undefined && c['split'] !== ' ') {
      throw new DataError(`expected split=" ", received split=${JSON.stringify(c['split'])}.`);
    }
    const wordIndex = numberMap(c['word_index'], 'word_index', true);
    const wordCounts = numberMap(c['word_counts'] ?? '{}', 'word_counts', false);
    const wordDocs = numberMap(c['word_docs'] ?? '{}', 'word_docs', false);
    const oovWord = typeof c['oov_token'] === 'string' ? c['oov_token'] : null;
    if (oovWord !== null && !wordIndex.has(oovWord)) {
      throw new DataError(`expected word_index to contain oov_token ${quoteReceived(oovWord)}, received none.`);
    }
    const rawNumWords = c['num_words'];
    // Keras's num_words=None keeps every word; one more than the largest index does the same here.
    const numWords =
      rawNumWords === null || rawNumWords === undefined ? Math.max(0, ...wordIndex.values()) + 1 : rawNumWords;
    if (typeof numWords !== 'number') {
      throw new DataError(`expected num_words to be an integer or null, received ${JSON.stringify(numWords)}.`);
    }
    checkNumWords(numWords);
    const rnnStudio = isRecord(root['rnnStudio']) ? root['rnnStudio'] : {};
    return new Tokenizer({
      wordIndex,
      wordCounts,
      wordDocs,
      documentCount: typeof c['document_count'] === 'number' ? c['document_count'] : 0,
      numWords,
      oovWord,
      textOptions: {
        lowercase: c['lower'] !== false,
        stripHtml: rnnStudio['stripHtml'] === true,
        filters: typeof c['filters'] === 'string' ? c['filters'] : KERAS_FILTERS,
      },
    });
  }
}

function checkNumWords(numWords: number): void {
  if (!Number.isInteger(numWords) || numWords < 2) {
    throw new DataError(
      `\`numWords\` must be an integer >= 2 (index 0 is padding, so 1 would keep nothing). Received: numWords=${numWords}.`,
    );
  }
}

function mapToJson<K extends string | number>(map: Map<K, number | string>): string {
  return JSON.stringify(Object.fromEntries(map));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonOrThrow(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DataError(`expected ${what} to be valid JSON, received text that is not (${(error as Error).message}).`);
  }
}

/** A Keras config map: a JSON string (as Keras writes it) or an already parsed object, of word → number. */
function numberMap(value: unknown, field: string, indices: boolean): Map<string, number> {
  const parsed = typeof value === 'string' ? parseJsonOrThrow(value, field) : value;
  if (!isRecord(parsed)) throw new DataError(`expected ${field} to be a JSON object, received ${typeof parsed}.`);
  const map = new Map<string, number>();
  for (const [word, n] of Object.entries(parsed)) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < (indices ? 1 : 0)) {
      throw new DataError(
        `expected ${field} values to be ${indices ? 'positive ' : 'non-negative '}integers, ` +
          `received ${JSON.stringify(n)} for ${quoteReceived(word)}.`,
      );
    }
    map.set(word, n);
  }
  return map;
}

/** Options of {@link padSequences}; Keras `pad_sequences` defaults. */
export interface PadOptions {
  /** Where padding goes when a sequence is shorter than maxLen; default 'pre' (Keras). */
  padding?: 'pre' | 'post';
  /** Which end is cut when a sequence is longer than maxLen; default 'pre' (keeps the last maxLen ids). */
  truncating?: 'pre' | 'post';
  /** Padding id; default 0. */
  value?: number;
}

/**
 * Keras `pad_sequences(seqs, maxlen=maxLen, padding, truncating, value)` into one flat row-major Int32Array of
 * shape [seqs.length, maxLen] (sample i occupies [i*maxLen, (i+1)*maxLen)).
 * @throws DataError for a maxLen that is not a positive integer or a bad option value.
 */
export function padSequences(seqs: readonly (readonly number[])[], maxLen: number, opts: PadOptions = {}): Int32Array {
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new DataError(`\`maxLen\` must be a positive integer. Received: maxLen=${maxLen}.`);
  }
  const padding = opts.padding ?? 'pre';
  const truncating = opts.truncating ?? 'pre';
  const value = opts.value ?? 0;
  if (padding !== 'pre' && padding !== 'post') {
    throw new DataError(`\`padding\` must be "pre" or "post". Received: padding=${JSON.stringify(padding)}.`);
  }
  if (truncating !== 'pre' && truncating !== 'post') {
    throw new DataError(`\`truncating\` must be "pre" or "post". Received: truncating=${JSON.stringify(truncating)}.`);
  }
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new DataError(`\`value\` must be a 32-bit integer. Received: value=${value}.`);
  }
  const out = new Int32Array(seqs.length * maxLen);
  if (value !== 0) out.fill(value);
  seqs.forEach((seq, i) => {
    if (!Array.isArray(seq))
      throw new DataError(`expected sequence ${i} to be an array of ids, received ${typeof seq}.`);
    const kept =
      seq.length <= maxLen ? seq : truncating === 'pre' ? seq.slice(seq.length - maxLen) : seq.slice(0, maxLen);
    const offset = i * maxLen + (padding === 'pre' ? maxLen - kept.length : 0);
    out.set(kept, offset);
  });
  return out;
}

/** What {@link sequenceStats} measures; all shares are in [0, 1]. */
export interface SequenceStats {
  /** Share of sequences longer than maxLen (they lose ids to truncation). */
  truncatedShare: number;
  /** Share of sequences with no ids at all (all-padding inputs). */
  emptyShare: number;
  /** Mean sequence length in ids, before padding / truncation. */
  meanLength: number;
  /** Nearest-rank percentiles of the length: p90 is the smallest length that ≥ 90% of sequences do not exceed. */
  lengthPercentiles: { p50: number; p90: number; p99: number };
  /** Share of word occurrences whose word has an id < numWords (is not OOV / dropped). See `coverageSource`. */
  coverage: number;
  /**
   * What `coverage` was counted over. `texts`: the texts given, tokenised again (exact, also counts words never
   * seen in fitting). `sequences`: the ids themselves, exact because with OOV on every word leaves an id and
   * OOV ones are 1. `fit-counts`: without texts and with OOV off the dropped words are gone from the
   * sequences, so it falls back to the fitting corpus's word counts.
   */
  coverageSource: 'texts' | 'sequences' | 'fit-counts';
  /** Distinct words seen when fitting (Keras `len(word_counts)`). */
  vocabularySeen: number;
}

/**
 * Summary of how a (numWords, maxLen) choice treats the data, for the data panel.
 * @param seqs output of {@link Tokenizer.textsToSequences}, before padding.
 * @param texts the texts `seqs` came from, optional; makes `coverage` exact when OOV is off.
 */
export function sequenceStats(
  seqs: readonly (readonly number[])[],
  maxLen: number,
  tokenizer: Tokenizer,
  texts?: readonly string[],
): SequenceStats {
  const n = seqs.length;
  const lengths = new Int32Array(n);
  let truncated = 0;
  let empty = 0;
  let total = 0;
  seqs.forEach((seq, i) => {
    lengths[i] = seq.length;
    total += seq.length;
    if (seq.length > maxLen) truncated += 1;
    if (seq.length === 0) empty += 1;
  });
  lengths.sort();
  const percentile = (p: number): number => (n === 0 ? 0 : (lengths[Math.max(0, Math.ceil((p / 100) * n) - 1)] ?? 0));

  let covered = 0;
  let occurrences = 0;
  let coverageSource: SequenceStats['coverageSource'];
  const kept = (word: string): boolean => {
    const i = tokenizer.wordIndex.get(word);
    return i !== undefined && i < tokenizer.numWords && word !== tokenizer.oovWord;
  };
  if (texts !== undefined) {
    coverageSource = 'texts';
    for (const text of texts) {
      for (const w of tokenizer.tokenize(text)) {
        occurrences += 1;
        if (kept(w)) covered += 1;
      }
    }
  } else if (tokenizer.oovIndex !== undefined) {
    coverageSource = 'sequences';
    const oov = tokenizer.oovIndex;
    for (const seq of seqs) {
      occurrences += seq.length;
      for (const id of seq) if (id !== oov) covered += 1;
    }
  } else {
    coverageSource = 'fit-counts';
    for (const [w, count] of tokenizer.wordCounts) {
      occurrences += count;
      if (kept(w)) covered += count;
    }
  }
  return {
    truncatedShare: n === 0 ? 0 : truncated / n,
    emptyShare: n === 0 ? 0 : empty / n,
    meanLength: n === 0 ? 0 : total / n,
    lengthPercentiles: { p50: percentile(50), p90: percentile(90), p99: percentile(99) },
    coverage: occurrences === 0 ? 0 : covered / occurrences,
    coverageSource,
    vocabularySeen: tokenizer.wordCounts.size,
  };
}
