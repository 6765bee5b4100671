"""Export from our engine, load with real Keras 3 (and TF.js's Python loader), predictions equal ours."""
import json
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import TOLERANCE, fixtures, record, tensorflowjs_module  # noqa: E402

import keras  # noqa: E402

CASES = fixtures("list").split()


def case_files(exported, case):
    d = exported / case
    inputs = json.loads((d / "inputs.json").read_text())
    x = np.array(inputs["data"], dtype=inputs["dtype"]).reshape(inputs["shape"])
    ours = np.array(json.loads((d / "predictions.json").read_text()), dtype="float32")
    files = json.loads((d / "exported.json").read_text())
    spec = json.loads((d / "run" / "spec.json").read_text())
    return x, ours, files, spec


def tfjs_loader():
    return tensorflowjs_module("keras_tfjs_loader")


def test_every_combination_is_covered():
    assert {"embedding_simplernn", "embedding_lstm", "gru", "bidirectional_concat_lstm", "bidirectional_sum_gru",
            "bidirectional_mul_simplernn", "bidirectional_ave_lstm_sequences", "stacked_lstm_gru_simplernn",
            "dropout_recurrent_dropout"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_keras_file_loads_and_predicts_like_ours(exported, case):
    x, ours, files, spec = case_files(exported, case)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.saving.load_model(files["keras"][0])
    assert [str(w.message) for w in caught if "keras" in (w.filename or "")] == []
    keras_pred = model.predict(x, verbose=0)
    assert keras_pred.shape == ours.shape
    diff = float(np.abs(keras_pred - ours).max())
    record("export .keras -> Keras 3", case, diff)
    assert diff <= TOLERANCE, f"{case}: max difference {diff}"
    # The configs Keras sees say what we trained: the GRU's reset variant (Keras 3's default True unless the spec says
    # otherwise), gates with sigmoid (not TF.js's hard_sigmoid).
    for layer, layer_spec in zip(model.layers, spec["layers"]):
        inner = getattr(layer, "forward_layer", layer)
        if isinstance(inner, keras.layers.GRU):
            assert inner.cell.reset_after is layer_spec.get("layer", layer_spec).get("config", {}).get("resetAfter", True)
        if isinstance(inner, (keras.layers.GRU, keras.layers.LSTM)):
            assert inner.cell.recurrent_activation is keras.activations.sigmoid
    # Compiled with our optimizer and loss, so training goes on in Keras.
    assert model.optimizer.__class__.__name__.lower() == spec["training"]["optimizer"]
    assert abs(float(model.optimizer.learning_rate) - spec["training"]["learningRate"]) < 1e-7


@pytest.mark.parametrize("case", CASES)
def test_tfjs_export_loads_in_python_and_predicts_like_ours(exported, case):
    x, ours, files, _ = case_files(exported, case)
    model_json = [f for f in files["tfjs"] if f.endswith("model.json")][0]
    model = tfjs_loader().load_keras_model(model_json)
    pred = model.predict(x, verbose=0)
    diff = float(np.abs(pred - ours).max())
    record("export TF.js -> tensorflowjs", case, diff)
    assert diff <= TOLERANCE, f"{case}: max difference {diff}"


def test_exported_keras_model_trains_on_in_keras(exported):
    x, ours, files, _ = case_files(exported, "dropout_recurrent_dropout")
    model = keras.saving.load_model(files["keras"][0])
    y = (ours > 0.5).astype("float32")
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(model.optimizer.iterations.numpy()) == 2


def test_round_trip_through_our_import(exported, tmp_path):
    """Our own .keras file, imported back, predicts as before (export and import agree with each other too)."""
    from conftest import cli
    case = "stacked_bidirectional"
    x, ours, files, spec = case_files(exported, case)
    cli("import", files["keras"][0], "--out", str(tmp_path / "imported"))
    imported = json.loads((tmp_path / "imported" / "spec.json").read_text())
    assert [l["className"] for l in imported["layers"]] == [l["className"] for l in spec["layers"]]
    (tmp_path / "inputs.json").write_text((exported / case / "inputs.json").read_text())
    fixtures("predict", str(tmp_path / "imported" / "model"), str(tmp_path / "inputs.json"), str(tmp_path / "out.json"))
    again = np.array(json.loads((tmp_path / "out.json").read_text()))
    diff = float(np.abs(again - ours).max())
    record("export .keras -> our import", case, diff)
    assert diff <= TOLERANCE
