"""Shared fixtures of the Keras interop tests: the repository, our CLI and fixture script, and the table of
maximum prediction differences (ours vs Keras) that the run prints at the end."""
import json
import os
import subprocess
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOLERANCE = 1e-5
DIFFERENCES = []  # (check, combination, max |ours - keras|)


def node(*args, timeout=600, env=None):
    """Runs Node from the repository root (with `env` added to the environment); returns stdout, raising with stderr
    on failure."""
    r = subprocess.run(["node", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, **(env or {})})
    if r.returncode != 0:
        raise AssertionError(f"node {' '.join(args)} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r.stdout


def cli(*args, check=True, timeout=600):
    """Runs the rnn-studio CLI (bin/rnn-studio.mjs); returns the CompletedProcess."""
    r = subprocess.run(["node", "bin/rnn-studio.mjs", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"rnn-studio {' '.join(args)} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def fixtures(*args):
    return node("--import", "tsx", "scripts/interop-fixtures.ts", *args)


def tensorflowjs_module(name):
    """A module of tensorflowjs.converters without the package __init__, which imports the SavedModel / JAX
    converters and their dependencies (TF-DF, JAX, TF-Hub) that these tests do not need."""
    import importlib
    import importlib.util
    import types
    if "tensorflowjs.converters" not in sys.modules:
        root = os.path.dirname(importlib.util.find_spec("tensorflowjs").origin)
        for package, path in (("tensorflowjs", root), ("tensorflowjs.converters", os.path.join(root, "converters"))):
            module = types.ModuleType(package)
            module.__path__ = [path]
            sys.modules[package] = module
    return importlib.import_module(f"tensorflowjs.converters.{name}")


def record(check, combination, diff):
    DIFFERENCES.append((check, combination, float(diff)))


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """Every combination trained by our engine and exported (keras + tfjs), with inputs and our predictions."""
    out = tmp_path_factory.mktemp("exported")
    fixtures("export-cases", str(out))
    return out


def pytest_terminal_summary(terminalreporter):
    if not DIFFERENCES:
        return
    tr = terminalreporter
    tr.section("max |ours - Keras| per combination")
    width = max(len(c) for _, c, _ in DIFFERENCES)
    for check, combination, diff in sorted(DIFFERENCES):
        tr.write_line(f"{check:<28} {combination:<{width}}  {diff:.3e}")
    out = os.path.join(REPO, "test-results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "interop-differences.json"), "w") as f:
        json.dump([{"check": a, "combination": b, "max_abs_diff": d} for a, b, d in sorted(DIFFERENCES)], f, indent=1)
