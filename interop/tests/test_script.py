"""The generated Keras 3 script: trained in our engine for one epoch on the bundled samples, exported, the script
reproduces our preprocessing (its validation loss with our weights equals ours), trains one epoch and reports a
loss, also under tf.distribute."""
import json
import math
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from conftest import REPO, cli, record  # noqa: E402

EXAMPLES = {
    "forecast-gru": "assets/samples/seattle-weather-hourly-normals.csv",
    "sentiment-lstm": "assets/samples/email-subjects",
}


@pytest.fixture(scope="module", params=list(EXAMPLES))
def exported_script(request, tmp_path_factory):
    name = request.param
    tmp = tmp_path_factory.mktemp(name)
    run = tmp / "run"
    cli("train", f"examples/{name}.json", "--epochs", "1", "--out", str(run))
    cli("export", str(run), "--format", "python", "--out", str(tmp / "py"), "--data", os.path.join(REPO, EXAMPLES[name]))
    epochs = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if '"kind":"epoch"' in l]
    return name, tmp / "py" / f"train_{name}.py", epochs[-1]["logs"]


def run_script(script, *args, env=None):
    r = subprocess.run([sys.executable, str(script), *args], cwd=script.parent, capture_output=True, text=True, timeout=600,
                       env={**os.environ, **(env or {})})
    assert r.returncode == 0, f"{script.name} {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr[-4000:]}"
    return r.stdout


def logs_of(line_prefix, out):
    line = next(l for l in out.splitlines() if l.startswith(line_prefix))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.e+naif]+)", line)}


def test_script_reproduces_our_preprocessing_and_weights(exported_script):
    name, script, ours = exported_script
    out = run_script(script, "--evaluate")
    keras_logs = logs_of("evaluate ", out)
    diff = abs(keras_logs["val_loss"] - ours["val_loss"])
    record("script: val_loss ours vs Keras", name, diff)
    assert diff < 1e-4, f"{name}: Keras val_loss {keras_logs['val_loss']} vs ours {ours['val_loss']}"
    if "val_accuracy" in ours:
        assert abs(keras_logs["val_accuracy"] - ours["val_accuracy"]) < 1e-6


def test_script_trains_one_epoch_and_reports_a_loss(exported_script, tmp_path):
    name, script, _ = exported_script
    out = run_script(script, "--epochs", "1", "--save", str(tmp_path / "trained.keras"))
    final = logs_of("final ", out)
    print(f"{name}: one epoch in Keras from our weights: {final}")
    assert math.isfinite(final["loss"]) and math.isfinite(final["val_loss"])
    assert (tmp_path / "trained.keras").exists()


def test_script_trains_under_tf_distribute(exported_script):
    """MirroredStrategy on the text model; MultiWorkerMirroredStrategy (a one-worker TF_CONFIG) on the forecaster."""
    name, script, _ = exported_script
    if name == "forecast-gru":
        strategy, env = "multiworker", {"TF_CONFIG": json.dumps({"cluster": {"worker": ["localhost:23457"]}, "task": {"type": "worker", "index": 0}})}
    else:
        strategy, env = "mirrored", None
    final = logs_of("final ", run_script(script, "--epochs", "1", "--distribute", strategy, env=env))
    assert math.isfinite(final["loss"]), strategy
