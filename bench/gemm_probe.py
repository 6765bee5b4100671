"""The machine's float32 matrix-multiply rate, for the size sweep's "share of peak" column (bench/sweep.mjs).

    python bench/gemm_probe.py [--n 2048] [--repeats 5]

NumPy's BLAS on an n×n·n×n product with every core, best of `repeats` after one warm-up: 2·n³ FLOP per product.
Prints one line `GEMM_RESULT {json}`. The sweep runs it without OPENBLAS_CORETYPE (a Haswell setting exported in
some environments halves OpenBLAS's rate on AVX-512 cores), so it measures what the cores can do.
"""
import argparse
import json
import os
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((a.n, a.n), dtype=np.float32)
    y = rng.standard_normal((a.n, a.n), dtype=np.float32)
    x @ y
    best = min(_timed(lambda: x @ y) for _ in range(a.repeats))
    config = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames else {}
    blas = (config.get("Build Dependencies", {}).get("blas", {}) or {}).get("name", "?") if isinstance(config, dict) else "?"
    out = {"n": a.n, "seconds": best, "gflops": 2 * a.n ** 3 / best / 1e9, "blas": blas, "numpy": np.__version__,
           "cores": os.cpu_count()}
    print("GEMM_RESULT " + json.dumps(out), flush=True)


def _timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
