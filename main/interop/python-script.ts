/**
 * A runnable Keras 3 training script for a spec: the same preprocessing as RNN Studio (the fitted tokenizer or the
 * normalisation and Chollet's windows, the same seeded shuffle and splits), the same model, optimizer and training
 * settings, starting from the weights trained in RNN Studio, with `--distribute mirrored|multiworker`.
 * The script is plain Python with numpy and Keras; the tests run it for one epoch on the bundled samples.
 */
import { layerDef, withDefaults } from '../../shared/layer-catalog.js';
import type { LayerSpec, ModelSpec } from '../../shared/model-spec.js';
import { isBidirectional, resolveTraining } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import {
  ACTIVATION_TO_KERAS_SCRIPT,
  ExportError,
  LOSS_TO_KERAS,
  kerasMetrics,
  kerasModelName,
} from './keras-format.js';
import { pyStringBody, pyValue } from './python-literal.js';

export interface ScriptOptions {
  /** File name (beside the script) of the Keras weights to start from. */
  weightsFile: string;
  /** File name (beside the script) of the run's preprocessing.json, or null when the run has none. */
  preprocessingFile: string | null;
  preprocessing: unknown;
  /** The data the run trained on (default of --data), or null. */
  dataPath: string | null;
  /** The script's own file name, for its usage line. */
  scriptName: string;
}

const py = pyValue;
/** Spec or settings text inside the docstring: escaped, so it reads back exactly and cannot close the docstring. */
const doc = (v: unknown): string => pyStringBody(String(v));

/** A positive integer written as a Python literal; anything else is refused rather than pasted into code. */
function pyInt(v: unknown, what: string): string {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new ExportError(`${what}: expected a positive integer, received ${JSON.stringify(v)}.`);
  return String(v);
}

/** `layers.<Class>(…, name=…)`: the arguments come from the layer's catalog definition. */
function layerCode(layer: LayerSpec, name: string, innerName: string | undefined): string {
  const def = layerDef(layer.className);
  if (!def) throw new ExportError(`layer ${JSON.stringify(layer.className)} is not in the catalog.`);
  const args = def.python(withDefaults(def, layer.config), {
    py,
    activation: (value) => {
      const a = String(value ?? 'linear');
      const keras = ACTIVATION_TO_KERAS_SCRIPT[a];
      if (!keras)
        throw new ExportError(
          `layer "${name}": activation ${JSON.stringify(a)} has no Keras 3 equivalent that computes the same.`,
        );
      return py(keras);
    },
    initializer: (value) =>
      py(
        String(value)
          .replace(/([A-Z])/g, '_$1')
          .toLowerCase()
          .replace('le_cun', 'lecun'),
      ),
    wrapped: () => {
      if (!isBidirectional(layer)) throw new ExportError(`layer "${name}" wraps no layer.`);
      return layerCode(layer.layer, innerName ?? 'rnn', undefined);
    },
  });
  return `layers.${def.className}(${[...args, `name=${py(name)}`].join(', ')})`;
}

function modelCode(spec: ModelSpec, names: string[], innerNames: (string | undefined)[]): string {
  const input =
    spec.input.kind === 'tokens'
      ? `keras.Input(shape=(${pyInt(spec.input.length, 'input.length')},), dtype="int32", name="input_layer")`
      : `keras.Input(shape=(${pyInt(spec.input.timesteps, 'input.timesteps')}, ${pyInt(spec.input.features, 'input.features')}), name="input_layer")`;
  const lines = spec.layers.map((layer: LayerSpec, i) => `        ${layerCode(layer, names[i]!, innerNames[i])},`);
  return `    return keras.Sequential([\n        ${input},\n${lines.join('\n')}\n    ], name=${py(kerasModelName(spec))})`;
}

function optimizerCode(spec: ModelSpec): string {
  const t = resolveTraining(spec);
  const clip = t.clipnorm !== null ? `, clipnorm=${py(t.clipnorm)}` : '';
  switch (t.optimizer) {
    case 'rmsprop':
      return `keras.optimizers.RMSprop(learning_rate=${py(t.learningRate)}, rho=0.9, momentum=0.0, epsilon=1e-7${clip})`;
    case 'adam':
      return `keras.optimizers.Adam(learning_rate=${py(t.learningRate)}, beta_1=0.9, beta_2=0.999, epsilon=1e-7${clip})`;
    case 'sgd':
      return `keras.optimizers.SGD(learning_rate=${py(t.learningRate)}${clip})`;
    default:
      throw new ExportError(`optimizer ${JSON.stringify(t.optimizer)} has no Keras code.`);
  }
}

/** The script's text; layer names are the ones our analysis gives (Keras's naming scheme). */
export function pythonScript(spec: ModelSpec, opts: ScriptOptions): string {
  const t = resolveTraining(spec);
  const analysis = analyzeModel(spec);
  if (!analysis.valid)
    throw new ExportError(
      `the model has errors, so it cannot be exported:\n${analysis.issues
        .filter((i) => i.severity === 'error')
        .map((i) => i.message)
        .join('\n')}`,
    );
  const layerNames = analysis.layers.map((l) => l.name);
  const inner = analysis.layers.map((l) => l.innerName);
  const data = spec.data ?? null;
  const es = t.earlyStopping;
  const monitor = es?.monitor ?? 'val_loss';
  return `#!/usr/bin/env python3
"""Train "${doc(spec.name)}" with Keras 3 — generated by RNN Studio.

The same preprocessing as RNN Studio (${data?.kind === 'text' ? "the tokenizer fitted on RNN Studio's training split, padding and truncating as there" : data?.kind === 'timeseries' ? "the training rows' mean and standard deviation, lookback / step / delay windows as in Chollet's generator" : 'none recorded'}),
the same shuffle and splits (the same seed), the same model, optimizer (${doc(t.optimizer)}, learning rate ${doc(t.learningRate)}${t.clipnorm !== null ? `, clipnorm ${doc(t.clipnorm)}` : ''}),
loss (${doc(LOSS_TO_KERAS[t.loss])}) and training settings (batch size ${doc(t.batchSize)}, ${doc(t.epochs)} epochs${es ? `, early stopping on ${doc(es.monitor)} with patience ${doc(es.patience)}` : ''}),
starting from the weights trained in RNN Studio (${doc(opts.weightsFile)}; --no-weights starts from scratch).

    python ${doc(opts.scriptName)} [--data PATH] [--epochs N] [--batch-size N] [--no-weights] [--save model.keras]
                     [--distribute none|mirrored|multiworker] [--evaluate]

Distributed training (tf.distribute):
  --distribute mirrored     all GPUs of this machine (MirroredStrategy); the batch size is split across them.
  --distribute multiworker  several machines (MultiWorkerMirroredStrategy). Start the same script on every machine
                            with TF_CONFIG describing the cluster and this machine's place in it, e.g. on the first:
      TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
                            and "index": 1 on the second. Worker 0 is the chief: only it should keep --save's file.
                            The batch size stays global (split across workers); data is sharded automatically.
Needs: Python 3.9+, numpy, keras 3 with the TensorFlow backend (pip install tensorflow keras).
"""
import argparse
import csv
import json
import math
import os
import re
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = json.loads(${py(JSON.stringify(spec))})
WEIGHTS = os.path.join(HERE, ${py(opts.weightsFile)})
PREPROCESSING_FILE = ${opts.preprocessingFile ? `os.path.join(HERE, ${py(opts.preprocessingFile)})` : 'None'}
DEFAULT_DATA = ${py(opts.dataPath)}
SEED = ${py(t.seed)}
BATCH_SIZE = ${py(t.batchSize)}
EPOCHS = ${py(t.epochs)}
VALIDATION_SPLIT = ${py(t.validationSplit)}


# ---- RNN Studio's seeded shuffle (mulberry32 + Fisher-Yates), so the splits are the same documents -------------
def mulberry32(seed):
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return ((a & 0xFFFFFFFF) * (b & 0xFFFFFFFF)) & 0xFFFFFFFF

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return rand


def shuffled_order(n, seed):
    order = list(range(n))
    rand = mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = int(math.floor(rand() * (i + 1)))
        order[i], order[j] = order[j], order[i]
    return order


# ---- reading files as RNN Studio does (encoding "auto": BOM, strict UTF-8, else Windows-1252) -------------------
def read_text(path, encoding="auto"):
    raw = open(path, "rb").read()
    if encoding not in (None, "auto"):
        return raw.decode({"latin1": "latin-1"}.get(encoding, encoding))
    if raw.startswith(b"\\xef\\xbb\\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith(b"\\xff\\xfe"):
        return raw[2:].decode("utf-16-le")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def sort_class_names(names):
    names = list(names)
    try:
        return sorted(names, key=lambda n: (float(n), n))
    except ValueError:
        return sorted(names)


def load_text_dataset(path, data):
    """(texts, labels, class_names) from a CSV, a folder per class of .txt files, or one line-file per class."""
    enc = data.get("encoding", "auto")
    fmt = data.get("format", "auto")
    if fmt == "auto":
        fmt = "csv" if os.path.isfile(path) else ("folders" if any(os.path.isdir(os.path.join(path, n)) for n in os.listdir(path)) else "lines")
    docs = []
    if fmt == "csv":
        rows = list(csv.reader(read_text(path, enc).splitlines()))
        header = [h.strip() for h in rows[0]]
        lower = [h.lower() for h in header]
        text_col = header.index(data["textColumn"]) if data.get("textColumn") else next(i for i, h in enumerate(lower) if h in ("text", "review", "sentence", "content", "document", "message"))
        label_col = header.index(data["labelColumn"]) if data.get("labelColumn") else next(i for i, h in enumerate(lower) if h in ("label", "sentiment", "class", "target", "y"))
        for row in rows[1:]:
            if len(row) > max(text_col, label_col) and row[text_col].strip():
                docs.append((row[text_col], row[label_col].strip()))
    elif fmt == "folders":
        for cls in sorted(n for n in os.listdir(path) if os.path.isdir(os.path.join(path, n)) and n != "unsup" and not n.startswith(".")):
            for name in sorted(os.listdir(os.path.join(path, cls))):
                if name.endswith(".txt"):
                    text = read_text(os.path.join(path, cls, name), enc)
                    if text.strip():
                        docs.append((text, cls))
    else:
        names = sorted(n for n in os.listdir(path) if os.path.isfile(os.path.join(path, n)) and not n.startswith("."))
        stems = {os.path.splitext(n)[0] for n in names}
        by_ext = len(stems) == 1 and len(names) > 1 and all(len(os.path.splitext(n)[1]) > 1 for n in names)
        for name in names:
            cls = os.path.splitext(name)[1][1:] if by_ext else (os.path.splitext(name)[0] or name)
            for line in re.split(r"\\r\\n|\\n|\\r", read_text(os.path.join(path, name), enc)):
                if line.strip():
                    docs.append((line.strip(), cls))
    class_names = data.get("classes") or sort_class_names({c for _, c in docs})
    index = {c: i for i, c in enumerate(class_names)}
    docs = [(t, index[c]) for t, c in docs if c in index]
    return [t for t, _ in docs], [l for _, l in docs], class_names


# ---- RNN Studio's tokenizer (Keras Tokenizer semantics, fitted on the training split and saved with the run) ------
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def make_text_encoder(pre):
    cfg = pre["tokenizer"]["config"]
    word_index = json.loads(cfg["word_index"])
    num_words = cfg["num_words"] or (max(word_index.values()) + 1)
    oov = 1 if cfg.get("oov_token") else None
    filters = cfg["filters"]
    strip_html = pre["tokenizer"].get("rnnStudio", {}).get("stripHtml", False)
    table = str.maketrans({c: " " for c in filters})

    def encode(text):
        if strip_html:
            text = HTML_TAG.sub(" ", text)
        if cfg.get("lower", True):
            text = text.lower()
        ids = []
        for w in text.translate(table).split():
            i = word_index.get(w)
            if i is not None and i < num_words:
                ids.append(i)
            elif oov is not None:
                ids.append(oov)
        return ids

    return encode


def pad(seqs, maxlen, padding, truncating):
    out = np.zeros((len(seqs), maxlen), dtype="int32")
    for i, s in enumerate(seqs):
        kept = s if len(s) <= maxlen else (s[-maxlen:] if truncating == "pre" else s[:maxlen])
        if kept:
            if padding == "pre":
                out[i, maxlen - len(kept):] = kept
            else:
                out[i, :len(kept)] = kept
    return out


def text_data(path, data, pre):
    texts, labels, _ = load_text_dataset(path, data)
    order = shuffled_order(len(texts), SEED)
    if data.get("maxSamples") and data["maxSamples"] < len(order):
        order = order[:data["maxSamples"]]
    n = len(order)
    n_val = int(math.floor(n * data.get("valFraction", 0.2) + 0.5))
    n_test = int(math.floor(n * data.get("testFraction", 0.0) + 0.5))
    n_train = n - n_val - n_test
    encode = make_text_encoder(pre)
    x = pad([encode(texts[i]) for i in order], pre["length"], pre["padding"], pre["truncating"])
    y = np.array([labels[i] for i in order], dtype="float32")
    train = (x[:n_train], y[:n_train])
    val = (x[n_train:n_train + n_val], y[n_train:n_train + n_val]) if n_val > 0 else None
    return train, val


# ---- time series: normalised with the training rows' statistics, windows as Chollet's generator -----------------
def timeseries_data(path, data, pre):
    rows = list(csv.reader(read_text(path, data.get("encoding", "auto")).splitlines()))
    header = [h.strip() for h in rows[0]]
    cols = [header.index(f) for f in pre["featureNames"]]
    values = np.array([[float(r[c]) for c in cols] for r in rows[1:] if any(cell.strip() for cell in r)], dtype="float64")
    mean = np.array(pre["mean"], dtype="float64")
    std = np.array(pre["std"], dtype="float64")
    norm = ((values - mean) / std).astype("float32")
    target = pre["featureNames"].index(pre["target"])
    lookback, step, delay = pre["lookback"], pre["step"], pre["delay"]
    n = len(norm)
    train_end = min(n, int(math.floor(n * data.get("trainFraction", 0.5) + 1e-9)))
    val_end = min(n, int(math.floor(n * (data.get("trainFraction", 0.5) + data.get("valFraction", 0.25)) + 1e-9)))

    def windows(lo, hi):
        max_index = hi - delay
        count = max_index - (lo + lookback)
        if count < 1:
            return None
        rows_ = np.arange(count) + lo + lookback
        idx = rows_[:, None] - lookback + np.arange(0, lookback, step)[None, :]
        return norm[idx], norm[rows_ + delay, target][:, None]

    train = windows(0, train_end)
    val = windows(train_end, val_end) if val_end - train_end > lookback + delay else None
    return train, val


# ---- the model -------------------------------------------------------------------------------------------------
def build_model(keras):
    layers = keras.layers
${modelCode(spec, layerNames, inner)}


def make_strategy(kind, tf):
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy()
    if kind == "multiworker":
        if "TF_CONFIG" not in os.environ:
            print("note: TF_CONFIG is not set, so this runs as a single worker (see the docstring for the format)", file=sys.stderr)
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def main(argv=None):
    # Not the docstring's first line: argparse %-formats a description that holds "%(prog)", and a name may.
    parser = argparse.ArgumentParser(description=${py(`Train ${kerasModelName(spec)} with Keras 3 (generated by RNN Studio).`)})
    parser.add_argument("--data", default=DEFAULT_DATA, help="the data set (default: the one RNN Studio trained on)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--no-weights", action="store_true", help="start from freshly initialised weights")
    parser.add_argument("--distribute", choices=["none", "mirrored", "multiworker"], default="none")
    parser.add_argument("--save", default=None, help="write the trained model to this .keras file")
    parser.add_argument("--evaluate", action="store_true", help="only evaluate the starting weights on the validation data")
    args = parser.parse_args(argv)

    import tensorflow as tf
    import keras

    strategy = make_strategy(args.distribute, tf)
    keras.utils.set_random_seed(SEED)
    if args.data is None:
        parser.error("--data is required: the run did not record where its data was")
    data = SPEC.get("data") or {}
    if PREPROCESSING_FILE is None:
        parser.error("this run has no preprocessing.json, so its data cannot be prepared the same way")
    pre = json.load(open(PREPROCESSING_FILE, encoding="utf-8-sig"))
    if pre["kind"] == "text":
        train, val = text_data(args.data, data, pre)
    else:
        train, val = timeseries_data(args.data, data, pre)
    x, y = train
    fit_args = {}
    if val is not None:
        fit_args["validation_data"] = val
    elif VALIDATION_SPLIT > 0:
        fit_args["validation_split"] = VALIDATION_SPLIT
    print(f"data: {len(x)} training samples" + (f", {len(val[0])} validation samples" if val is not None else ""))

    with strategy.scope():
        model = build_model(keras)
        model.compile(optimizer=${optimizerCode(spec)}, loss=${py(LOSS_TO_KERAS[t.loss])}, metrics=${py(kerasMetrics(spec))})
        if not args.no_weights:
            # The weights file holds the optimizer too (fresh: RNN Studio does not keep optimizer state); building
            # it first lets its variables load without a warning.
            model.optimizer.build(model.trainable_variables)
            model.load_weights(WEIGHTS)
    if args.evaluate:
        if val is None:
            parser.error("--evaluate needs validation data")
        logs = model.evaluate(val[0], val[1], batch_size=args.batch_size, verbose=0, return_dict=True)
        print("evaluate " + " ".join(f"val_{k}={float(v):.6f}" for k, v in logs.items()))
        return logs
    model.summary()
    callbacks = []
${es ? `    callbacks.append(keras.callbacks.EarlyStopping(monitor=${py(monitor)}, patience=${py(es.patience)}, min_delta=${py(es.minDelta)}, restore_best_weights=${py(es.restoreBestWeights)}))` : '    # no early stopping in this spec'}
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=${py(t.shuffle)}, callbacks=callbacks, verbose=2, **fit_args)
    final = {k: float(v[-1]) for k, v in history.history.items()}
    print("final " + " ".join(f"{k}={v:.6f}" for k, v in final.items()))
    if args.save:
        model.save(args.save)
        print(f"saved {args.save}")
    return final


if __name__ == "__main__":
    main()
`;
}
