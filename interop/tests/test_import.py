"""Models built and trained in Keras 3, saved as .keras (and model.to_json()), imported by our CLI, predict in our
engine as they do in Keras; layers outside the catalog are refused by name."""
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import TOLERANCE, cli, fixtures, record, tensorflowjs_module  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402


def tokens_in(n=24, length=12, vocab=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab, size=(n, length)).astype("int32")
    for i in range(n):
        x[i, : i % 5] = 0  # padding at the front, as our tokenizer pads
    return x


def floats_in(n=24, timesteps=10, features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, timesteps, features)).astype("float32")


def embedding_lstm():
    m = keras.Sequential([keras.Input((12,), dtype="int32"), layers.Embedding(50, 8), layers.LSTM(6), layers.Dense(1, activation="sigmoid")])
    m.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    return m, tokens_in, "binary"


def stacked_bidirectional():
    m = keras.Sequential([
        keras.Input((10, 3)),
        layers.Bidirectional(layers.GRU(4, return_sequences=True, reset_after=False), merge_mode="mul"),
        layers.Bidirectional(layers.LSTM(3), merge_mode="ave"),
        layers.Dense(3, activation="softmax"),
    ])
    m.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    return m, floats_in, "classes"


def bidirectional_concat_sum():
    m = keras.Sequential([
        keras.Input((10, 3)),
        layers.Bidirectional(layers.SimpleRNN(4, return_sequences=True), merge_mode="concat"),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode="sum"),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1),
    ])
    m.compile("adam", "mse")
    return m, floats_in, "regression"


def simplernn_dropout():
    m = keras.Sequential([
        keras.Input((10, 3)),
        layers.SimpleRNN(5, return_sequences=True, dropout=0.2, recurrent_dropout=0.1),
        layers.Dropout(0.3),
        layers.LSTM(4, dropout=0.1, recurrent_dropout=0.2),
        layers.Dense(1),
    ])
    m.compile("sgd", "mae")
    return m, floats_in, "regression"


def functional_masked_gru():
    inp = keras.Input((12,), dtype="int32")
    h = layers.Embedding(50, 8, mask_zero=True)(inp)
    h = layers.GRU(5, reset_after=False, return_sequences=True)(h)
    h = layers.Flatten()(h)
    out = layers.Dense(1, activation="sigmoid")(h)
    m = keras.Model(inp, out)
    m.compile("rmsprop", "binary_crossentropy")
    return m, tokens_in, "binary"


def gru_keras3_defaults():
    """Keras 3's default GRU (reset_after=True, two bias rows), plain and inside Bidirectional."""
    m = keras.Sequential([
        keras.Input((10, 3)),
        layers.GRU(4, return_sequences=True),
        layers.Bidirectional(layers.GRU(3, dropout=0.1, recurrent_dropout=0.2), merge_mode="concat"),
        layers.Dense(1),
    ])
    m.compile("adam", "mse")
    return m, floats_in, "regression"


def masked_gru_keras3_default():
    m = keras.Sequential([keras.Input((12,), dtype="int32"), layers.Embedding(50, 8, mask_zero=True), layers.GRU(5),
                          layers.Dense(1, activation="sigmoid")])
    m.compile("rmsprop", "binary_crossentropy")
    return m, tokens_in, "binary"


MODELS = {f.__name__: f for f in (embedding_lstm, stacked_bidirectional, bidirectional_concat_sum, simplernn_dropout, functional_masked_gru,
                                  gru_keras3_defaults, masked_gru_keras3_default)}


def train_in_keras(name):
    keras.utils.set_random_seed(3)
    model, make_x, kind = MODELS[name]()
    x = make_x(n=64, seed=1)
    rng = np.random.default_rng(2)
    y = {"binary": rng.integers(0, 2, (64, 1)), "classes": rng.integers(0, 3, (64,)), "regression": rng.normal(size=(64, 1))}[kind].astype("float32")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return model, make_x(seed=5)


def write_inputs(path, x):
    path.write_text(json.dumps({"data": x.reshape(-1).tolist(), "shape": list(x.shape), "dtype": "int32" if x.dtype.kind == "i" else "float32"}))


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_trained_model_imports_and_predicts_the_same(tmp_path, name):
    model, x = train_in_keras(name)
    keras_pred = model.predict(x, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    out = cli("import", str(path), "--out", str(tmp_path / "imported")).stdout
    assert "Weights:" in out and "arrays imported" in out, out
    spec = json.loads((tmp_path / "imported" / "spec.json").read_text())
    assert len(spec["layers"]) == len([l for l in model.layers if not isinstance(l, keras.layers.InputLayer)])
    write_inputs(tmp_path / "inputs.json", x)
    fixtures("predict", str(tmp_path / "imported" / "model"), str(tmp_path / "inputs.json"), str(tmp_path / "ours.json"))
    ours = np.array(json.loads((tmp_path / "ours.json").read_text()))
    diff = float(np.abs(ours - keras_pred).max())
    record("Keras 3 .keras -> our import", name, diff)
    assert diff <= TOLERANCE, f"{name}: max difference {diff}"
    # The spec is valid here: the summary command accepts it (shapes, parameter counts as Keras).
    summary = cli("summary", str(tmp_path / "imported" / "spec.json")).stdout
    assert f"{model.count_params():,}" in summary, summary


def test_tfjs_converter_output_imports_and_predicts_the_same(tmp_path):
    """A TF.js model.json written by Python's tensorflowjs (Keras 2 weight names like forward_gru/gru_cell/kernel)."""
    import tf_keras
    tf_keras.utils.set_random_seed(4)
    model = tf_keras.Sequential([
        tf_keras.layers.Embedding(50, 8, input_length=12, mask_zero=True),
        tf_keras.layers.Bidirectional(tf_keras.layers.GRU(4, reset_after=False, return_sequences=True)),
        tf_keras.layers.LSTM(3),
        tf_keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile("adam", "binary_crossentropy")
    x = tokens_in(n=64, seed=1)
    model.fit(x, np.random.default_rng(2).integers(0, 2, (64, 1)).astype("float32"), epochs=2, verbose=0)
    probe = tokens_in(seed=5)
    keras_pred = model.predict(probe, verbose=0)
    tensorflowjs_module("keras_h5_conversion").save_keras_model(model, str(tmp_path / "tfjs"))
    out = cli("import", str(tmp_path / "tfjs" / "model.json"), "--out", str(tmp_path / "imported")).stdout
    assert "Weights: 12 arrays imported." in out, out
    write_inputs(tmp_path / "inputs.json", probe)
    fixtures("predict", str(tmp_path / "imported" / "model"), str(tmp_path / "inputs.json"), str(tmp_path / "ours.json"))
    diff = float(np.abs(np.array(json.loads((tmp_path / "ours.json").read_text())) - keras_pred).max())
    record("tensorflowjs model.json -> our import", "embedding_mask_bigru_lstm", diff)
    assert diff <= TOLERANCE


def test_to_json_imports_the_architecture(tmp_path):
    model, _, _ = stacked_bidirectional()
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    out = cli("import", str(path), "--out", str(tmp_path / "imported")).stdout
    assert "Weights: none (model.to_json() holds the architecture only)" in out
    spec = json.loads((tmp_path / "imported" / "spec.json").read_text())
    assert spec["input"] == {"kind": "floats", "timesteps": 10, "features": 3}
    assert [(l["className"], l.get("config", {}).get("mergeMode"), l.get("layer", {}).get("className")) for l in spec["layers"]] == [
        ("Bidirectional", "mul", "GRU"), ("Bidirectional", "ave", "LSTM"), ("Dense", None, None)]
    assert spec["training"]["loss"] == "sparseCategoricalCrossentropy" and spec["training"]["optimizer"] == "adam"
    assert not (tmp_path / "imported" / "model").exists()


def test_gru_variants_come_in_as_they_were_built(tmp_path):
    """Keras 3's default GRU (reset_after=True) and the reset_after=False one keep their variant, and their weights."""
    model = keras.Sequential([keras.Input((10, 3)), layers.GRU(4, return_sequences=True), layers.GRU(3, reset_after=False), layers.Dense(1)])
    model.save(tmp_path / "gru.keras")
    r = cli("import", str(tmp_path / "gru.keras"), "--out", str(tmp_path / "imported"))
    assert "arrays imported" in r.stdout and "reset_after" not in r.stdout, r.stdout
    spec = json.loads((tmp_path / "imported" / "spec.json").read_text())
    assert [l["config"]["resetAfter"] for l in spec["layers"][:2]] == [True, False]


def test_layers_outside_the_catalog_are_reported_by_name(tmp_path):
    model = keras.Sequential([
        keras.Input((10, 3)),
        layers.Conv1D(4, 3, name="my_conv"),
        layers.LSTM(4, return_sequences=True),
        layers.Lambda(lambda t: t * 2, name="doubler"),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1),
    ])
    model.save(tmp_path / "mixed.keras")
    r = cli("import", str(tmp_path / "mixed.keras"), "--out", str(tmp_path / "imported"), check=False)
    assert r.returncode == 1
    assert '"my_conv" (Conv1D)' in r.stderr and '"doubler" (Lambda)' in r.stderr, r.stderr
    assert "Nothing was imported" in r.stderr
    assert not (tmp_path / "imported").exists()


def test_non_linear_functional_models_are_refused(tmp_path):
    inp = keras.Input((10, 3))
    a = layers.LSTM(4, name="left")(inp)
    b = layers.GRU(4, reset_after=False, name="right")(inp)
    out = layers.Dense(1)(layers.Concatenate(name="join")([a, b]))
    keras.Model(inp, out).save(tmp_path / "branch.keras")
    r = cli("import", str(tmp_path / "branch.keras"), check=False)
    assert r.returncode == 1 and '"join" (Concatenate)' in r.stderr, r.stderr


def test_damaged_and_hostile_files_get_clear_messages(tmp_path):
    (tmp_path / "empty.keras").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    r = cli("import", str(tmp_path / "empty.keras"), check=False)
    assert r.returncode == 1 and "config.json" in r.stderr, r.stderr
    (tmp_path / "legacy.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    r = cli("import", str(tmp_path / "legacy.h5"), check=False)
    assert r.returncode == 1 and 'model.save("model.keras")' in r.stderr, r.stderr
    (tmp_path / "model.json").write_text(json.dumps({"modelTopology": {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"units": 1, "batch_input_shape": [None, 4, 2]}}]}},
        "weightsManifest": [{"paths": ["../../etc/passwd"], "weights": [{"name": "dense/kernel", "shape": [2, 1], "dtype": "float32"}]}]}))
    r = cli("import", str(tmp_path / "model.json"), check=False)
    assert r.returncode == 1 and "expected weight file names beside model.json" in r.stderr, r.stderr


def test_keras_saved_file_with_flipped_bits_in_its_weights_gets_a_named_message(tmp_path):
    """Issue #13: bits flipped inside model.weights.h5 of a file Keras itself wrote (h5py's HDF5 layout, which has
    no checksums: a flip in its padding or float data goes unnoticed), the ZIP rewritten so its CRCs match. Each flip
    hits the signature of one of HDF5's structures (B-tree, heap, symbol table node): every import exits 0 (a
    structure not read, such as the optimizer's) or 1 with a message that says what was expected, never h5wasm's
    bare "name not defined" nor a stack trace."""
    import random
    import re
    import zipfile
    m = keras.Sequential([keras.Input((6, 2)), layers.GRU(3, name="gru"), layers.Dense(1, name="dense")])
    m.compile("adam", "mse")
    m.save(tmp_path / "good.keras")
    with zipfile.ZipFile(tmp_path / "good.keras") as z:
        entries = {n: z.read(n) for n in z.namelist()}
    h5 = entries["model.weights.h5"]
    signatures = [s.start() for s in re.finditer(rb"TREE|HEAP|SNOD|GCOL|OHDR", h5)]
    assert signatures, "no HDF5 structure signatures found"
    hdf5_messages = 0
    for seed in range(8):
        rng = random.Random(seed)
        data = bytearray(h5)
        data[rng.choice(signatures) + rng.randrange(4)] ^= 1 << rng.randrange(8)
        path = tmp_path / f"flipped-{seed}.keras"
        with zipfile.ZipFile(path, "w") as z:
            for name, content in entries.items():
                z.writestr(name, bytes(data) if name == "model.weights.h5" else content)
        r = cli("import", str(path), "--out", str(tmp_path / f"out-{seed}"), check=False)
        assert r.returncode in (0, 1), r.stderr
        assert "name not defined" not in r.stderr and "    at " not in r.stderr, r.stderr
        if r.returncode == 1:
            assert r.stderr.startswith((f"Error: model.weights.h5 in flipped-{seed}.keras: expected Keras weights", f'Error: flipped-{seed}.keras: layer "')), r.stderr
            hdf5_messages += "the HDF5 reader says" in r.stderr
    assert hdf5_messages >= 3, f"only {hdf5_messages} of 8 damaged files were refused with HDF5's reason"
