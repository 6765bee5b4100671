"""Keras side of `npm run bench`: one case, in its own process, with the configuration our engine uses.

    .venv/bin/python bench/keras_bench.py --case imdb-lstm [--profile default] [--threads 0|1|N]
        [--samples N] [--length L] [--epochs N] [--warmup N]

The layers come from bench/cases.json (our spec format) and are translated with the same settings: rmsprop
lr 1e-3 (rho 0.9, eps 1e-7: Keras's defaults, as our optimizer), LSTM recurrent_activation='sigmoid' and
unit_forget_bias=True, GRU reset_after as the spec says (default True, as in Keras 3 and in our catalog) and
recurrent_activation='sigmoid'.
Each epoch is one `model.fit(x, y, batch_size, epochs=1, verbose=0)` timed with time.perf_counter(); the first
`--warmup` epochs (graph tracing) are not counted. Prints one line `BENCH_RESULT {json}` (the contract shared with
bench/run-bench.ts). --threads 0 keeps TensorFlow's defaults (intra/inter-op pools sized to the cores); N > 0 sets
both pools to N before TensorFlow starts.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))


def keras_layer(keras, spec, first_kwargs):
    cls = spec["className"]
    cfg = dict(spec.get("config") or {})
    if cls == "Bidirectional":
        inner = keras_layer(keras, spec["layer"], {})
        return keras.layers.Bidirectional(inner, merge_mode=cfg.get("mergeMode", "concat"), **first_kwargs)
    if cls == "Embedding":
        return keras.layers.Embedding(cfg["inputDim"], cfg["outputDim"], **first_kwargs)
    if cls == "Dense":
        return keras.layers.Dense(cfg.get("units", 1), activation=cfg.get("activation", "linear"), **first_kwargs)
    common = dict(units=cfg.get("units", 32), return_sequences=cfg.get("returnSequences", False),
                  dropout=cfg.get("dropout", 0.0), recurrent_dropout=cfg.get("recurrentDropout", 0.0), **first_kwargs)
    if cls == "SimpleRNN":
        return keras.layers.SimpleRNN(activation=cfg.get("activation", "tanh"), **common)
    if cls == "LSTM":
        return keras.layers.LSTM(activation=cfg.get("activation", "tanh"),
                                 recurrent_activation=cfg.get("recurrentActivation", "sigmoid"),
                                 unit_forget_bias=cfg.get("unitForgetBias", True), **common)
    if cls == "GRU":
        return keras.layers.GRU(activation=cfg.get("activation", "tanh"),
                                recurrent_activation=cfg.get("recurrentActivation", "sigmoid"),
                                reset_after=cfg.get("resetAfter", True), **common)
    raise ValueError(f"layer {cls} has no Keras translation in keras_bench.py")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case")
    p.add_argument("--profile", default="default")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--samples", type=int)
    p.add_argument("--length", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--batch-size", type=int)
    # The size sweep (bench/sweep.mjs) generates its cases: one arrives whole, with its sizes for a 'sweep' profile.
    p.add_argument("--case-json")
    a = p.parse_args()

    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    case = json.loads(a.case_json) if a.case_json else next((c for c in cases["cases"] if c["id"] == a.case), None)
    if case is None:
        sys.exit(f"unknown case {a.case}")
    size = case["sizes"][a.profile]
    samples = a.samples or size["samples"]
    length = a.length or size["length"]
    epochs = a.epochs or cases["profiles"][a.profile]["epochs"]
    batch = a.batch_size or cases["batchSize"]
    seed = cases["seed"]

    import numpy as np
    import tensorflow as tf

    if a.threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(a.threads)
        tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    keras = tf.keras
    keras.utils.set_random_seed(seed)

    rng = np.random.default_rng(seed)
    if case["input"] == "tokens":
        x = rng.integers(0, case["vocabSize"], size=(samples, length), dtype=np.int32)
        y = rng.integers(0, 2, size=(samples, 1)).astype(np.float32)
        first = {"input_shape": (length,)}
        loss, metrics = "binary_crossentropy", ["accuracy"]
    else:
        x = rng.standard_normal((samples, length, case["features"]), dtype=np.float32)
        y = rng.standard_normal((samples, 1), dtype=np.float32)
        first = {"input_shape": (length, case["features"])}
        loss, metrics = "mae", []

    model = keras.Sequential([keras_layer(keras, layer, first if i == 0 else {}) for i, layer in enumerate(case["layers"])])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=cases["learningRate"], rho=0.9, epsilon=1e-7),
                  loss=loss, metrics=metrics)

    seconds, cpu_seconds, losses = [], [], []
    started = time.perf_counter()
    for e in range(a.warmup + epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        h = model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - t0)
        # CPU time of the whole process (all TensorFlow threads): less sensitive than wall time to other work.
        cpu_seconds.append(time.process_time() - c0)
        losses.append(float(h.history["loss"][-1]))
        print(f"  keras {case['id']} epoch {e + 1}/{a.warmup + epochs}: {seconds[-1]:.2f} s, loss {losses[-1]:.4f}", file=sys.stderr)

    import keras as keras_package  # the Keras that tf.keras is (2.15 for TF 2.15)
    try:
        from tensorflow.python.util import _pywrap_util_port
        onednn = bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # noqa: BLE001 - only a label for the report
        onednn = None
    # TF 2.9+ on x86 Linux turns its oneDNN ops on unless TF_ENABLE_ONEDNN_OPTS is 0 / false.
    if onednn and os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower() in ("0", "false"):
        onednn = False
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    timed = seconds[a.warmup:]
    out = {
        "side": "keras",
        "backend": "keras",
        "backendDetail": f"TensorFlow {tf.__version__} CPU, Keras {keras_package.__version__}, oneDNN {'on' if onednn else 'off' if onednn is not None else '?'}",
        "versions": {"tensorflow": tf.__version__, "keras": keras_package.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "threads": f"intra {intra or 'default'} / inter {inter or 'default'}" + (" (TensorFlow defaults: pools sized to the cores)" if a.threads == 0 else ""),
        "threadSetting": a.threads,
        "case": case["id"],
        "profile": a.profile,
        "samples": samples,
        "length": length,
        "batchSize": batch,
        "stepsPerEpoch": -(-samples // batch),
        "params": int(model.count_params()),
        "warmupSeconds": seconds[:a.warmup],
        "epochSeconds": timed,
        "secondsPerEpoch": statistics.median(timed),
        "epochCpuSeconds": cpu_seconds[a.warmup:],
        "cpuSecondsPerEpoch": statistics.median(cpu_seconds[a.warmup:]),
        "losses": losses,
        "numTensors": None,
        "numTensorsDriftPerEpoch": None,
        # Linux reports ru_maxrss in KiB.
        "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "totalSeconds": time.perf_counter() - started,
    }
    print("BENCH_RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
