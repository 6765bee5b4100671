import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OOV_TOKEN, padSequences, sequenceStats, tokenize, Tokenizer } from './tokenizer.js';
import type { PadOptions, TokenizeOptions } from './tokenizer.js';
import { assertDataError } from './test-support.js';

// Expected values below are worked out by hand from Keras's legacy preprocessing/text.py:
// text_to_word_sequence (lower, filters → ' ', split), fit_on_texts (count, stable sort by count descending,
// OOV forced to 1), texts_to_sequences (keep i < num_words, else OOV or drop) and pad_sequences.

describe('tokenize (Keras text_to_word_sequence)', () => {
  const cases: { text: string; opts?: TokenizeOptions; words: string[] }[] = [
    { text: "It's <br />GREAT, isn't it?", words: ["it's", 'great', "isn't", 'it'] },
    { text: 'a<br/>b', opts: { stripHtml: false }, words: ['a', 'br', 'b'] },
    { text: '<b>bold</b> text', words: ['bold', 'text'] },
    { text: 'a < b and c > d', words: ['a', 'b', 'and', 'c', 'd'] },
    { text: 'Hello World', opts: { lowercase: false }, words: ['Hello', 'World'] },
    { text: 'a\tb\nc\r\nd\u00a0e', words: ['a', 'b', 'c', 'd', 'e'] },
    { text: 'e-mail_address@x.com (100%)', words: ['e', 'mail', 'address', 'x', 'com', '100'] },
    { text: 'Café ÉTÉ', words: ['café', 'été'] },
    { text: '  ...  ', words: [] },
    { text: 'a;b', opts: { filters: ';' }, words: ['a', 'b'] },
    { text: 'a.b', opts: { filters: ';' }, words: ['a.b'] },
    { text: 'x]y^z\\w-v', opts: { filters: ']^\\-' }, words: ['x', 'y', 'z', 'w', 'v'] },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.text) + (c.opts ? ` ${JSON.stringify(c.opts)}` : ''), () => {
      assert.deepEqual(tokenize(c.text, c.opts), c.words);
    });
  }
});

const TEXTS = ['The cat sat on the mat.', 'The dog ate my homework!', "My cat ate the dog's food."];
// counts in first-occurrence order: the 4, cat 2, sat 1, on 1, mat 1, dog 1, ate 2, my 2, homework 1, dog's 1, food 1

describe('Tokenizer (Keras Tokenizer)', () => {
  const fits: {
    name: string;
    texts: string[];
    oovToken: boolean;
    numWords: number;
    wordIndex: [string, number][];
    sequences: number[][];
    unseen?: { text: string; sequence: number[] };
  }[] = [
    {
      name: 'num_words=5, oov_token: ties keep first-occurrence order, rare words become 1',
      texts: TEXTS,
      oovToken: true,
      numWords: 5,
      wordIndex: [
        [OOV_TOKEN, 1],
        ['the', 2],
        ['cat', 3],
        ['ate', 4],
        ['my', 5],
        ['sat', 6],
        ['on', 7],
        ['mat', 8],
        ['dog', 9],
        ['homework', 10],
        ["dog's", 11],
        ['food', 12],
      ],
      sequences: [
        [2, 3, 1, 1, 2, 1],
        [2, 1, 4, 1, 1],
        [1, 3, 4, 2, 1, 1],
      ],
      unseen: { text: 'The bird ate', sequence: [2, 1, 4] },
    },
    {
      name: 'num_words=5 without oov_token: rare words are dropped, words start at 1',
      texts: TEXTS,
      oovToken: false,
      numWords: 5,
      wordIndex: [
        ['the', 1],
        ['cat', 2],
        ['ate', 3],
        ['my', 4],
        ['sat', 5],
        ['on', 6],
        ['mat', 7],
        ['dog', 8],
        ['homework', 9],
        ["dog's", 10],
        ['food', 11],
      ],
      sequences: [
        [1, 2, 1],
        [1, 3, 4],
        [4, 2, 3, 1],
      ],
      unseen: { text: 'The bird ate', sequence: [1, 3] },
    },
    {
      name: 'all counts tied: index order is first occurrence',
      texts: ['b a', 'a b c c'],
      oovToken: true,
      numWords: 100,
      wordIndex: [
        [OOV_TOKEN, 1],
        ['b', 2],
        ['a', 3],
        ['c', 4],
      ],
      sequences: [
        [2, 3],
        [3, 2, 4, 4],
      ],
      unseen: { text: 'c z', sequence: [4, 1] },
    },
  ];
  for (const c of fits) {
    it(c.name, () => {
      const tok = Tokenizer.fit(c.texts, { numWords: c.numWords, oovToken: c.oovToken });
      assert.deepEqual([...tok.wordIndex], c.wordIndex);
      assert.deepEqual(tok.textsToSequences(c.texts), c.sequences);
      if (c.unseen) assert.deepEqual(tok.textsToSequences([c.unseen.text]), [c.unseen.sequence]);
    });
  }

  it('counts words and documents like Keras word_counts / word_docs', () => {
    const tok = Tokenizer.fit(TEXTS, { numWords: 5 });
    assert.equal(tok.wordCounts.get('the'), 4);
    assert.equal(tok.wordDocs.get('the'), 3);
    assert.equal(tok.wordCounts.get('cat'), 2);
    assert.equal(tok.wordDocs.get('cat'), 2);
    assert.equal(tok.documentCount, 3);
    assert.equal(tok.oovIndex, 1);
  });

  it('toJSON is Keras to_json() shaped and round-trips through fromJSON', () => {
    const tok = Tokenizer.fit(TEXTS, { numWords: 5 });
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    assert.equal(json.class_name, 'Tokenizer');
    assert.equal(json.config.num_words, 5);
    assert.equal(json.config.oov_token, OOV_TOKEN);
    assert.equal(json.config.document_count, 3);
    assert.deepEqual(JSON.parse(json.config.word_index), Object.fromEntries(tok.wordIndex));
    assert.equal(JSON.parse(json.config.index_word)['2'], 'the');
    assert.equal(JSON.parse(json.config.index_docs)['2'], 3);
    const back = Tokenizer.fromJSON(json);
    assert.deepEqual([...back.wordIndex], [...tok.wordIndex]);
    assert.deepEqual(back.textsToSequences(['<br/>The cat, my dog']), [[2, 3, 1, 1]]);
    assert.deepEqual(back.textOptions, tok.textOptions);
  });

  it('fromJSON reads a Keras JSON string (num_words None, custom oov_token, no HTML stripping)', () => {
    const keras = JSON.stringify({
      class_name: 'Tokenizer',
      config: {
        num_words: null,
        filters: '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n',
        lower: true,
        split: ' ',
        char_level: false,
        oov_token: 'UNK',
        document_count: 1,
        word_counts: '{"good": 1, "film": 1}',
        word_docs: '{"good": 1, "film": 1}',
        index_docs: '{"2": 1, "3": 1}',
        index_word: '{"1": "UNK", "2": "good", "3": "film"}',
        word_index: '{"UNK": 1, "good": 2, "film": 3}',
      },
    });
    const tok = Tokenizer.fromJSON(keras);
    assert.equal(tok.numWords, 4);
    // Keras does not strip HTML: "br" survives as an (unknown) word.
    assert.deepEqual(tok.textsToSequences(['Good film<br>bad']), [[2, 3, 1, 1]]);
  });

  const jsonErrors: { name: string; json: unknown; message: string }[] = [
    { name: 'not JSON', json: '{oops', message: /^expected the tokenizer JSON to be valid JSON/.source },
    { name: 'not a tokenizer', json: { class_name: 'Embedding' }, message: /^expected a Keras tokenizer JSON/.source },
    {
      name: 'char level',
      json: { class_name: 'Tokenizer', config: { char_level: true, word_index: '{}' } },
      message: '^expected a word-level tokenizer, received char_level=true\\.$',
    },
    {
      name: 'bad index',
      json: { class_name: 'Tokenizer', config: { word_index: '{"a": 0}', num_words: 5 } },
      message: '^expected word_index values to be positive integers, received 0 for "a"\\.$',
    },
  ];
  for (const c of jsonErrors) {
    it(`fromJSON refuses: ${c.name}`, () => {
      assertDataError(() => Tokenizer.fromJSON(c.json), { message: new RegExp(c.message) });
    });
  }

  it('refuses numWords below 2', () => {
    assertDataError(() => Tokenizer.fit(TEXTS, { numWords: 1 }), {
      message:
        '`numWords` must be an integer >= 2 (index 0 is padding, so 1 would keep nothing). Received: numWords=1.',
    });
  });
});

describe('padSequences (Keras pad_sequences)', () => {
  const seqs = [[1], [2, 3], [4, 5, 6]];
  const cases: { name: string; seqs: number[][]; maxLen: number; opts?: PadOptions; rows: number[][] }[] = [
    {
      name: 'defaults pad and truncate at the front',
      seqs,
      maxLen: 3,
      rows: [
        [0, 0, 1],
        [0, 2, 3],
        [4, 5, 6],
      ],
    },
    {
      name: 'padding post',
      seqs,
      maxLen: 3,
      opts: { padding: 'post' },
      rows: [
        [1, 0, 0],
        [2, 3, 0],
        [4, 5, 6],
      ],
    },
    {
      name: 'truncating pre keeps the last ids',
      seqs,
      maxLen: 2,
      rows: [
        [0, 1],
        [2, 3],
        [5, 6],
      ],
    },
    {
      name: 'truncating post keeps the first ids',
      seqs,
      maxLen: 2,
      opts: { truncating: 'post' },
      rows: [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    },
    {
      name: 'both post',
      seqs,
      maxLen: 2,
      opts: { padding: 'post', truncating: 'post' },
      rows: [
        [1, 0],
        [2, 3],
        [4, 5],
      ],
    },
    {
      name: 'custom value',
      seqs,
      maxLen: 4,
      opts: { value: -1 },
      rows: [
        [-1, -1, -1, 1],
        [-1, -1, 2, 3],
        [-1, 4, 5, 6],
      ],
    },
    {
      name: 'empty sequence is all padding',
      seqs: [[], [7]],
      maxLen: 2,
      rows: [
        [0, 0],
        [0, 7],
      ],
    },
    { name: 'no sequences', seqs: [], maxLen: 3, rows: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = padSequences(c.seqs, c.maxLen, c.opts);
      assert.ok(out instanceof Int32Array);
      assert.deepEqual([...out], c.rows.flat());
    });
  }
  it('refuses a bad maxLen or option', () => {
    assertDataError(() => padSequences(seqs, 0), {
      message: '`maxLen` must be a positive integer. Received: maxLen=0.',
    });
    assertDataError(() => padSequences(seqs, 2, { padding: 'middle' as 'pre' }), {
      message: '`padding` must be "pre" or "post". Received: padding="middle".',
    });
  });
});

describe('sequenceStats', () => {
  it('with OOV: coverage from the sequences themselves (OOV ids are 1)', () => {
    const tok = Tokenizer.fit(TEXTS, { numWords: 5 });
    const seqs = tok.textsToSequences(TEXTS); // lengths 6, 5, 6; non-OOV ids 3 + 2 + 3 = 8 of 17
    const stats = sequenceStats(seqs, 5, tok);
    assert.deepEqual(stats, {
      truncatedShare: 2 / 3,
      emptyShare: 0,
      meanLength: 17 / 3,
      lengthPercentiles: { p50: 6, p90: 6, p99: 6 },
      coverage: 8 / 17,
      coverageSource: 'sequences',
      vocabularySeen: 11,
    });
    assert.equal(sequenceStats(seqs, 5, tok, TEXTS).coverage, 8 / 17);
  });

  it('without OOV: fit counts unless texts are given', () => {
    const tok = Tokenizer.fit(TEXTS, { numWords: 5, oovToken: false });
    const seqs = tok.textsToSequences([...TEXTS, 'homework food']); // lengths 3, 3, 4, 0
    const stats = sequenceStats(seqs, 3, tok);
    assert.equal(stats.coverageSource, 'fit-counts');
    assert.equal(stats.coverage, 10 / 17); // the 4 + cat 2 + ate 2 + my 2 of 17 occurrences
    assert.equal(stats.emptyShare, 1 / 4);
    assert.equal(stats.truncatedShare, 1 / 4);
    assert.equal(stats.meanLength, 10 / 4);
    const exact = sequenceStats(tok.textsToSequences(['the bird']), 3, tok, ['the bird']);
    assert.equal(exact.coverageSource, 'texts');
    assert.equal(exact.coverage, 1 / 2);
  });

  it('nearest-rank percentiles', () => {
    const tok = Tokenizer.fit(['a'], { numWords: 3 });
    const seqs = Array.from({ length: 100 }, (_, i) => new Array<number>(i + 1).fill(2));
    assert.deepEqual(sequenceStats(seqs, 80, tok).lengthPercentiles, { p50: 50, p90: 90, p99: 99 });
    assert.equal(sequenceStats(seqs, 80, tok).truncatedShare, 0.2);
  });
});
