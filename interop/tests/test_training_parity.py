"""Training parity with real Keras 3, step by step: the same model, the same initial weights, the same batches in the
same order and the same dropout masks, then N optimizer steps on both sides; the loss at every step and every weight
at the end must agree. Our side is scripts/training-parity.ts (the studio's own trainer, kernels and optimizer); it
draws the masks through its test hook and records them, and they are injected here into each Keras cell by
overriding get_dropout_mask / get_recurrent_dropout_mask (keras/src/layers/rnn/dropout_rnn_cell.py)."""
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import REPO, node, record  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

STEPS = 20
BATCH = 8
LOSS_RTOL = 1e-4
WEIGHT_TOL = 1e-4
SEQ, FEATURES, VOCAB = 7, 3, 20


def recurrent(cls, units=5, **config):
    return {"className": cls, "config": {"units": units, **config}}


def bi(merge_mode, inner):
    return {"className": "Bidirectional", "config": {"mergeMode": merge_mode}, "layer": inner}


DENSE = {"className": "Dense", "config": {"units": 1}}
SIGMOID = {"className": "Dense", "config": {"units": 1, "activation": "sigmoid"}}
FLATTEN = {"className": "Flatten"}
EMBEDDING = {"className": "Embedding", "config": {"inputDim": VOCAB, "outputDim": 4}}
EMBEDDING_MASKED = {"className": "Embedding", "config": {"inputDim": VOCAB, "outputDim": 4, "maskZero": True}}


def training(optimizer, lr=0.01, loss="meanSquaredError", clipnorm=None):
    t = {"optimizer": optimizer, "learningRate": lr, "loss": loss, "seed": 5}
    if clipnorm is not None:
        t["clipnorm"] = clipnorm
    return t


def matrix():
    """name → (input kind, layers, training): cells × dropout × recurrentDropout × returnSequences × optimizers, the
    Bidirectional merge modes, masked padding, stacks, clipnorm."""
    cases = {}
    optimizers = ["rmsprop", "adam", "sgd"]
    # GRU: Keras 3's default reset_after=True, and reset_after=False ("gru_rb").
    for i, (label, cls, extra) in enumerate([("simplernn", "SimpleRNN", {}), ("lstm", "LSTM", {}), ("gru", "GRU", {}),
                                             ("gru_rb", "GRU", {"resetAfter": False})]):
        for j, (dropout, rec) in enumerate([(0.0, 0.0), (0.3, 0.0), (0.0, 0.4), (0.25, 0.35)]):
            seq = j % 2 == 1
            opt = optimizers[(i + j) % 3]
            layers = [recurrent(cls, dropout=dropout, recurrentDropout=rec, returnSequences=seq, **extra)]
            layers += [FLATTEN, DENSE] if seq else [DENSE]
            lr = 0.05 if opt == "sgd" else 0.01
            cases[f"{label}_d{dropout}_rd{rec}{'_seq' if seq else ''}_{opt}"] = ("floats", layers, training(opt, lr))
    for k, (mode, cls, extra) in enumerate([("concat", "GRU", {}), ("sum", "LSTM", {}), ("mul", "SimpleRNN", {}), ("ave", "GRU", {"resetAfter": False})]):
        layers = [bi(mode, recurrent(cls, 4, dropout=0.2, recurrentDropout=0.3, **extra)), DENSE]
        cases[f"bidirectional_{mode}_{cls.lower()}{'_rb' if extra else ''}_dropout"] = ("floats", layers, training(optimizers[k % 3]))
    cases["masked_gru_dropout"] = ("tokens", [EMBEDDING_MASKED, recurrent("GRU", dropout=0.2, recurrentDropout=0.3), SIGMOID],
                                   training("rmsprop", loss="binaryCrossentropy"))
    cases["masked_bidirectional_lstm"] = ("tokens", [EMBEDDING_MASKED, bi("concat", recurrent("LSTM", 4, returnSequences=True)),
                                                     recurrent("GRU", 3), SIGMOID], training("adam", loss="binaryCrossentropy"))
    cases["stacked_gru_book"] = ("floats", [recurrent("GRU", 6, dropout=0.1, recurrentDropout=0.5, returnSequences=True),
                                            recurrent("GRU", 5, activation="relu", dropout=0.1, recurrentDropout=0.5), DENSE],
                                 training("rmsprop", loss="meanAbsoluteError"))
    cases["masked_gru_rb_dropout"] = ("tokens", [EMBEDDING_MASKED, recurrent("GRU", resetAfter=False, dropout=0.2, recurrentDropout=0.3), SIGMOID],
                                      training("adam", loss="binaryCrossentropy"))
    cases["stacked_lstm_clipnorm"] = ("tokens", [EMBEDDING, recurrent("LSTM", 5, returnSequences=True, dropout=0.2, recurrentDropout=0.2),
                                                 recurrent("LSTM", 4), SIGMOID],
                                      training("adam", 0.05, loss="binaryCrossentropy", clipnorm=0.1))
    cases["gru_clipnorm_sgd"] = ("floats", [recurrent("GRU", 5, recurrentDropout=0.4), DENSE], training("sgd", 0.1, clipnorm=0.05))
    return cases


CASES = matrix()


def case_data(name, kind, seed):
    rng = np.random.default_rng(seed)
    n = STEPS * BATCH
    if kind == "tokens":
        x = rng.integers(1, VOCAB, size=(n, SEQ)).astype("int32")
        for i in range(n):  # padding before and inside the sequences, one sample all padding
            x[i, : i % 4] = 0
            if i % 5 == 0:
                x[i, SEQ // 2] = 0
        x[3] = 0
        inp = {"kind": "tokens", "vocabSize": VOCAB, "length": SEQ}
        y = (rng.random((n, 1)) < 0.5).astype("float32")
    else:
        x = rng.normal(size=(n, SEQ, FEATURES)).astype("float32")
        inp = {"kind": "floats", "timesteps": SEQ, "features": FEATURES}
        y = (x[:, -3:, 0].sum(axis=1, keepdims=True) * 0.5).astype("float32")
    return x, y, inp


# Every case is trained on each kernel provider: the WebAssembly kernels (every platform) and the native addon
# (native/, where scripts/build-native.mjs could build it: it needs oneDNN, which .ci/run installs).
PROVIDERS = ["wasm", "native"]
NATIVE_ADDON = os.path.join(REPO, "native", "build", "rnn_native.node")


@pytest.fixture(scope="module", params=PROVIDERS)
def ours(request, tmp_path_factory):
    """Every case trained by our engine on one kernel provider (one Node process for all)."""
    provider = request.param
    if provider == "native" and not os.path.exists(NATIVE_ADDON):
        pytest.skip(f"the native kernels are not built ({NATIVE_ADDON} is missing: npm run build:native)")
    root = tmp_path_factory.mktemp(f"parity-{provider}")
    for i, (name, (kind, layers, train)) in enumerate(sorted(CASES.items())):
        x, y, inp = case_data(name, kind, 100 + i)
        d = root / name
        d.mkdir()
        spec = {"format": 1, "name": name, "input": inp, "layers": layers, "training": train}
        (d / "case.json").write_text(json.dumps({
            "spec": spec, "batchSize": BATCH, "steps": STEPS,
            "x": {"data": x.ravel().tolist(), "shape": list(x.shape), "dtype": str(x.dtype)},
            "y": {"data": y.ravel().tolist(), "shape": list(y.shape)},
        }))
    node("--import", "tsx", "scripts/training-parity.ts", str(root), timeout=900, env={"RNN_STUDIO_KERNELS": provider})
    for name in CASES:
        trained = json.loads((root / name / "ours.json").read_text())["kernels"]
        assert trained and trained["provider"] == provider, f"{name}: asked for the {provider} kernels, trained on {trained}"
    return root


def rnn_layers(model):
    """(key, keras RNN layer): keys as our engine names the layer's masks."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield f"{layer.name} (forward)", layer.forward_layer
            yield f"{layer.name} (backward)", layer.backward_layer
        elif isinstance(layer, keras.layers.RNN):
            yield layer.name, layer


def inject_masks(model, state):
    """Each cell returns this step's recorded masks: a list per gate where Keras's cell draws one per gate
    (dropout_mask_count, its implementation 1), else one tensor. Checks that we drew as many as Keras uses."""
    for key, layer in rnn_layers(model):
        cell = layer.cell
        per_gate = getattr(cell, "dropout_mask_count", None)

        def getter(kind, key=key, cell=cell, per_gate=per_gate):
            def get(step_input):
                rate = cell.dropout if kind == "input" else cell.recurrent_dropout
                if not 0 < rate < 1:
                    return None  # as Keras's own getter: no mask without that dropout
                masks = state["masks"][state["step"]].get(key, {}).get(kind)
                assert masks is not None, f"{key}: Keras applies {kind} dropout {rate}, we drew no mask"
                n = step_input.shape[-1]
                tensors = [tf.constant(np.array(m, dtype="float32").reshape(-1, n)) for m in masks]
                expected = per_gate or 1
                assert len(tensors) == expected, f"{key}: Keras uses {expected} {kind} masks, we drew {len(tensors)}"
                return tensors if per_gate else tensors[0]
            return get

        cell.get_dropout_mask = getter("input")
        cell.get_recurrent_dropout_mask = getter("recurrent")


def keras_optimizer(train, dense_embedding_gradients=True):
    """Keras's optimizer for the spec. On TensorFlow, Keras hands an Embedding's gradient to the optimizer as
    tf.IndexedSlices, one slice per token occurrence, and its RMSprop / Adam square the slices before adding them up:
    the second moment of a row gets Σ gᵢ² over the row's occurrences in the batch instead of (Σ gᵢ)². Its JAX and
    PyTorch backends, TF.js and we use the dense gradient; `dense_embedding_gradients` gives Keras-on-TF that too,
    so the rest of the step is compared (docs/training-parity.md lists the difference)."""
    kwargs = {"learning_rate": train["learningRate"]}
    if "clipnorm" in train:
        kwargs["clipnorm"] = train["clipnorm"]
    opt = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[train["optimizer"]](**kwargs)
    if dense_embedding_gradients:
        apply = opt.apply

        def dense_apply(grads, trainable_variables=None):
            return apply([tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads], trainable_variables)
        opt.apply = dense_apply
    return opt


KERAS_LOSS = {"meanSquaredError": "mean_squared_error", "meanAbsoluteError": "mean_absolute_error",
              "binaryCrossentropy": "binary_crossentropy"}


def test_the_matrix_covers_what_the_issue_names():
    names = " ".join(CASES)
    for part in ["simplernn", "lstm", "gru_d", "gru_rb", "_d0.3", "_rd0.4", "_seq", "concat", "sum", "mul", "ave", "masked",
                 "stacked", "rmsprop", "adam", "sgd", "clipnorm"]:
        assert part in names, part


def keras_steps(d, dense_embedding_gradients=True):
    """Keras takes the case's steps from our initial weights with our recorded masks: (model after, per-step losses,
    our result)."""
    case = json.loads((d / "case.json").read_text())
    result = json.loads((d / "ours.json").read_text())
    x = np.array(case["x"]["data"], dtype=case["x"]["dtype"]).reshape(case["x"]["shape"])
    y = np.array(case["y"]["data"], dtype="float32").reshape(case["y"]["shape"])
    model = keras.saving.load_model(str(d / "initial.keras"))
    train = case["spec"]["training"]
    model.compile(optimizer=keras_optimizer(train, dense_embedding_gradients), loss=KERAS_LOSS[train["loss"]], run_eagerly=True)
    state = {"masks": result["masks"], "step": 0}
    inject_masks(model, state)
    losses = []
    for step in range(STEPS):
        state["step"] = step
        rows = slice(step * BATCH, (step + 1) * BATCH)
        losses.append(float(model.train_on_batch(x[rows], y[rows], return_dict=True)["loss"]))
    return model, losses, result


@pytest.mark.parametrize("name", sorted(CASES))
def test_training_steps_match_keras(ours, name):
    d = ours / name
    model, theirs, result = keras_steps(d)
    losses = np.array(result["losses"], dtype="float64")
    rel = np.abs(losses - np.array(theirs)) / np.maximum(np.abs(theirs), 1e-3)
    final = keras.saving.load_model(str(d / "final.keras"))
    weight_diff = max(float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))
                      for a, b in zip([w.numpy() for w in final.weights], [w.numpy() for w in model.weights]))
    on = f"{name} ({result['kernels']['provider']})"
    record("training: loss, rel", on, rel.max())
    record("training: weights after 20", on, weight_diff)
    assert rel.max() <= LOSS_RTOL, f"{name}: losses differ, step {int(rel.argmax())}: ours {losses[rel.argmax()]} vs Keras {theirs[rel.argmax()]}"
    assert weight_diff <= WEIGHT_TOL, f"{name}: weights after {STEPS} steps differ by {weight_diff}"
    # Our side trained on the fused kernels, the path a user's run takes (the op-by-op path is held to them in
    # main/training/kernels/fused-rnn.test.ts).
    assert all(r["fused"] for r in result["recurrence"]), result["recurrence"]


EMBEDDING_MOMENT_CASES = [n for n, (kind, _, train) in sorted(CASES.items()) if kind == "tokens" and train["optimizer"] != "sgd"]


@pytest.mark.parametrize("name", EMBEDDING_MOMENT_CASES)
def test_keras_on_tensorflow_squares_embedding_gradients_per_token(ours, name):
    """The one difference we keep, measured: Keras-on-TF's sparse second moments of an Embedding (see
    keras_optimizer) move the weights away from the dense update that we, TF.js and Keras on JAX compute."""
    d = ours / name
    model, _, result = keras_steps(d, dense_embedding_gradients=False)
    final = keras.saving.load_model(str(d / "final.keras"))
    embedding = float(np.abs(final.layers[0].weights[0].numpy() - model.layers[0].weights[0].numpy()).max())
    record("Keras-TF sparse embedding", f"{name} ({result['kernels']['provider']})", embedding)
    assert embedding > WEIGHT_TOL, f"{name}: Keras-on-TF's sparse Embedding update no longer differs ({embedding})"
