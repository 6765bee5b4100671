/**
 * The experiments of Chollet's chapter 6 as ready-to-run specs ("New from template"), on the bundled samples (or on
 * imported data: change the Data tab's source; the model stays). Templates of one family solve the same task on the
 * same data, so their runs compare: the Runs tab overlays every run of a family.
 */
import type { ModelSpec, TextDataSpec, TimeSeriesDataSpec } from './model-spec.js';

export interface TemplateFamily {
  id: string;
  title: string;
  /** What comparing the family's runs shows. */
  explanation: string;
}

export interface ExperimentTemplate {
  id: string;
  family: string;
  title: string;
  /** What this experiment demonstrates, in two or three sentences. */
  explanation: string;
  spec: ModelSpec;
}

export const TEMPLATE_FAMILIES: TemplateFamily[] = [
  {
    id: 'sentiment',
    title: 'Text classification: SimpleRNN vs LSTM (Chollet 6.2)',
    explanation:
      'The same Embedding → recurrent layer → Dense(sigmoid) classifier with three recurrent layers. The SimpleRNN forgets the start of long inputs (its gradient vanishes through time: see the gradient-flow view); the LSTM keeps it, and a bidirectional LSTM also reads the text backwards.',
  },
  {
    id: 'forecast',
    title: 'Temperature forecasting with GRUs (Chollet 6.3)',
    explanation:
      'Temperature 24 h ahead from the last 3 days of weather, against the common-sense baseline (tomorrow = the last value seen, drawn on the loss chart). A plain GRU beats the baseline but overfits; dropout and recurrent dropout fight the overfitting; stacking GRUs adds capacity once it is under control; a bidirectional GRU shows that reading weather backwards helps little.',
  },
];

const TEXT_DATA: TextDataSpec = {
  kind: 'text',
  path: 'sample:email-subjects',
  format: 'lines',
  encoding: 'auto',
  padding: 'pre',
  truncating: 'pre',
  valFraction: 0.2,
  testFraction: 0,
};
const WEATHER_DATA: TimeSeriesDataSpec = {
  kind: 'timeseries',
  path: 'sample:seattle-weather-hourly-normals.csv',
  dateColumn: 'date',
  features: ['pressure', 'temperature', 'wind'],
  target: 'temperature',
  lookback: 72,
  step: 2,
  delay: 24,
  trainFraction: 0.5,
  valFraction: 0.25,
};

function text(id: string, recurrent: ModelSpec['layers'][number], name: string): ModelSpec {
  return {
    format: 1,
    name,
    template: { family: 'sentiment', id },
    input: { kind: 'tokens', vocabSize: 10000, length: 40 },
    layers: [
      { className: 'Embedding', config: { inputDim: 10000, outputDim: 32 } },
      recurrent,
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: {
      optimizer: 'rmsprop',
      learningRate: 0.001,
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
      batchSize: 128,
      epochs: 10,
      seed: 1337,
    },
    data: TEXT_DATA,
  };
}

function forecast(id: string, layers: ModelSpec['layers'], name: string, epochs = 10): ModelSpec {
  return {
    format: 1,
    name,
    template: { family: 'forecast', id },
    input: { kind: 'floats', timesteps: 36, features: 3 },
    layers: [...layers, { className: 'Dense', config: { units: 1 } }],
    training: {
      optimizer: 'rmsprop',
      learningRate: 0.001,
      loss: 'meanAbsoluteError',
      batchSize: 128,
      epochs,
      seed: 1337,
    },
    data: WEATHER_DATA,
  };
}

export const TEMPLATES: ExperimentTemplate[] = [
  {
    id: 'sentiment-simplernn',
    family: 'sentiment',
    title: 'SimpleRNN',
    explanation:
      'Embedding(10000, 32) → SimpleRNN(32) → Dense(sigmoid), Chollet 6.2.1. The baseline recurrent layer: it learns short patterns, but the error signal fades over long sequences (vanishing gradients).',
    spec: text('sentiment-simplernn', { className: 'SimpleRNN', config: { units: 32 } }, 'ch6 sentiment: SimpleRNN'),
  },
  {
    id: 'sentiment-lstm',
    family: 'sentiment',
    title: 'LSTM',
    explanation:
      'The same model with LSTM(32), Chollet 6.2.3. Its cell state carries information (and gradient) across many timesteps: compare validation accuracy and the gradient flow with the SimpleRNN run.',
    spec: text('sentiment-lstm', { className: 'LSTM', config: { units: 32 } }, 'ch6 sentiment: LSTM'),
  },
  {
    id: 'sentiment-bidirectional',
    family: 'sentiment',
    title: 'Bidirectional LSTM',
    explanation:
      'Bidirectional(LSTM(32)), Chollet 6.3.9: one LSTM reads forwards, one backwards, outputs concatenated. Word order matters less than which words appear, so reading both ways helps text.',
    spec: text(
      'sentiment-bidirectional',
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'LSTM', config: { units: 32 } },
      },
      'ch6 sentiment: Bidirectional LSTM',
    ),
  },
  {
    id: 'forecast-gru',
    family: 'forecast',
    title: 'GRU vs the common-sense baseline',
    explanation:
      'GRU(32) → Dense(1), Chollet 6.3.6, as Keras 3 builds it (reset_after=True). The dashed line on the loss chart is the baseline MAE; the GRU beats it within a few epochs, then validation loss rises again: overfitting.',
    spec: forecast(
      'forecast-gru',
      [{ className: 'GRU', config: { units: 32, resetAfter: true } }],
      'ch6 forecast: GRU',
    ),
  },
  {
    id: 'forecast-gru-dropout',
    family: 'forecast',
    title: 'GRU with dropout and recurrent dropout',
    explanation:
      "GRU(32, dropout 0.2, recurrentDropout 0.2), Chollet 6.3.7, Keras 3's GRU (reset_after=True): the same dropout mask at every timestep, on the inputs and on the recurrent products (the state the GRU carries is not masked, as in Keras). Validation loss stops rising; it needs more epochs (Chollet trains 40).",
    spec: forecast(
      'forecast-gru-dropout',
      [{ className: 'GRU', config: { units: 32, dropout: 0.2, recurrentDropout: 0.2, resetAfter: true } }],
      'ch6 forecast: GRU + dropout',
      20,
    ),
  },
  {
    id: 'forecast-stacked-gru',
    family: 'forecast',
    title: 'Stacked GRUs',
    explanation:
      "GRU(32, dropout 0.1, recurrentDropout 0.5, returnSequences) → GRU(64, relu, dropout 0.1, recurrentDropout 0.5), Chollet 6.3.8, Keras 3's GRUs (reset_after=True). The lower layer passes its whole sequence on; more capacity once overfitting is under control.",
    spec: forecast(
      'forecast-stacked-gru',
      [
        {
          className: 'GRU',
          config: { units: 32, dropout: 0.1, recurrentDropout: 0.5, returnSequences: true, resetAfter: true },
        },
        {
          className: 'GRU',
          config: { units: 64, activation: 'relu', dropout: 0.1, recurrentDropout: 0.5, resetAfter: true },
        },
      ],
      'ch6 forecast: stacked GRUs',
      20,
    ),
  },
  {
    id: 'forecast-bidirectional-gru',
    family: 'forecast',
    title: 'Bidirectional GRU',
    explanation:
      "Bidirectional(GRU(32)), Chollet 6.3.9, Keras 3's GRU (reset_after=True). The backward half sees the most recent hours last-to-first and does worse on its own; together they end near the plain GRU: for weather, chronological order carries the signal.",
    spec: forecast(
      'forecast-bidirectional-gru',
      [
        {
          className: 'Bidirectional',
          config: { mergeMode: 'concat' },
          layer: { className: 'GRU', config: { units: 32, resetAfter: true } },
        },
      ],
      'ch6 forecast: Bidirectional GRU',
    ),
  },
];

export function templateFamily(id: string): TemplateFamily | undefined {
  return TEMPLATE_FAMILIES.find((f) => f.id === id);
}
