"""Issue #13: a run whose model name, description, data folder and column names are hostile to Python source
(backslashes as in C:\\users\\new, both quotes, triple quotes, line breaks, NUL, non-ASCII) is exported as a Python
script; the script compiles, holds every string exactly, and reproduces our validation loss from that data.
Layer names as hostile go through the same export and build the model under exactly those names."""
import csv
import glob
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import cli  # noqa: E402

NAME = 'C:\\users\\new """ \'q\' "dq" \\N{x} \\x\nimport os  # \r\x00 \u00fc\u2713\U0001F600 \u2028 \ud800 %(prog)d end\\'
# The data folder: everything a Linux file name may hold that breaks naive quoting (not NUL or "/").
FOLDER = 'data C:\\new """ \'q\' "dq" \u00fc\U0001F600 \\'
COLUMNS = ["p \"q\", r", "t\\emp \u00fc", "w'ind \"\"\""]
# Keras on TensorFlow runs layers only under names matching [A-Za-z0-9_.\-/>]* (tf.name_scope); these it builds.
LAYER_NAMES = ['C:\\users\\new """ \'x\'\n\x00', "dense \u00fc\U0001F600 '''"]


def load_script(path):
    """The script as a module (its main() does not run: __name__ is not "__main__")."""
    spec = importlib.util.spec_from_file_location("hostile_train", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keras_name(name):
    """Our Keras model name: each UTF-16 unit outside [A-Za-z0-9_.-] becomes "_" (two for a character past U+FFFF)."""
    return "".join(c if re.fullmatch(r"[A-Za-z0-9_.-]", c) else "_" * (2 if ord(c) > 0xFFFF else 1) for c in name) or "model"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    folder = tmp / FOLDER
    folder.mkdir()
    data = folder / "series.csv"
    with open(data, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", *COLUMNS])
        for i in range(240):
            w.writerow([f"t{i}", f"{math.sin(i / 7):.4f}", f"{math.cos(i / 11) * 3:.4f}", f"{(i % 13) / 13:.4f}"])
    spec = {
        "format": 1, "name": NAME, "description": NAME,
        "input": {"kind": "floats", "timesteps": 8, "features": 3},
        "layers": [{"className": "GRU", "config": {"units": 4}}, {"className": "Dense", "config": {"units": 1}}],
        "training": {"optimizer": "rmsprop", "learningRate": 0.01, "loss": "meanAbsoluteError", "batchSize": 32, "epochs": 1, "seed": 3},
        "data": {"kind": "timeseries", "path": str(data), "dateColumn": "date", "features": COLUMNS, "target": COLUMNS[1],
                 "lookback": 8, "step": 1, "delay": 2, "trainFraction": 0.5, "valFraction": 0.25},
    }
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    run = tmp / "run"
    cli("train", str(spec_path), "--epochs", "1", "--out", str(run), "--backend", "cpu")
    epochs = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if '"kind":"epoch"' in l]
    return tmp, run, spec, data, epochs[-1]["logs"]


def export_script(run, out):
    cli("export", str(run), "--format", "python", "--out", str(out))
    [script] = glob.glob(str(out / "train_*.py"))
    return script


def test_hostile_names_compile_and_read_back_exactly(hostile_run):
    tmp, run, spec, data, _ = hostile_run
    script = export_script(run, tmp / "py")
    with open(script, "rb") as f:
        compile(f.read(), script, "exec")
    module = load_script(script)
    assert module.SPEC["name"] == NAME
    assert module.SPEC["description"] == NAME
    assert module.SPEC["data"] == spec["data"]
    assert module.DEFAULT_DATA == str(data)
    assert module.__doc__.startswith(f'Train "{NAME}" with Keras 3')
    import keras
    model = module.build_model(keras)
    # The Keras model name is the one the .keras export and TF.js use: only [A-Za-z0-9_.-] survive in it.
    assert model.name == keras_name(NAME)


def test_hostile_script_reads_its_data_and_reproduces_our_loss(hostile_run):
    tmp, run, _, _, ours = hostile_run
    script = export_script(run, tmp / "py-evaluate")
    r = subprocess.run([sys.executable, script, "--evaluate"], cwd=os.path.dirname(script), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr[-4000:]}"
    line = next(l for l in r.stdout.splitlines() if l.startswith("evaluate "))
    keras_loss = float(re.search(r"val_loss=([-\d.e+]+)", line).group(1))
    assert abs(keras_loss - ours["val_loss"]) < 1e-4, (keras_loss, ours["val_loss"])


def rename(value, names):
    """`value` (parsed JSON) with every string that is an old layer name, or starts with one and "/", renamed."""
    if isinstance(value, dict):
        return {k: rename(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [rename(v, names) for v in value]
    if isinstance(value, str):
        for old, new in names.items():
            if value == old:
                return new
            if value.startswith(old + "/"):
                return new + value[len(old):]
    return value


def test_hostile_layer_names_build_under_exactly_those_names(hostile_run):
    tmp, run, _, _, _ = hostile_run
    renamed = tmp / "run-renamed"
    shutil.copytree(run, renamed)
    names = dict(zip(["gru", "dense"], LAYER_NAMES))
    spec = json.loads((renamed / "spec.json").read_text(encoding="utf-8"))
    for layer, name in zip(spec["layers"], LAYER_NAMES):
        layer.setdefault("config", {})["name"] = name
    (renamed / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    model_json = renamed / "model" / "model.json"
    model_json.write_text(json.dumps(rename(json.loads(model_json.read_text(encoding="utf-8")), names)), encoding="utf-8")
    script = export_script(renamed, tmp / "py-renamed")
    with open(script, "rb") as f:
        compile(f.read(), script, "exec")
    module = load_script(script)
    import keras
    model = module.build_model(keras)
    assert [l.name for l in model.layers] == LAYER_NAMES
    # The exported weights load into the model built under those names (Keras finds them by position, not name).
    model.compile(optimizer="rmsprop", loss="mae")
    model.optimizer.build(model.trainable_variables)
    model.load_weights(module.WEIGHTS)
