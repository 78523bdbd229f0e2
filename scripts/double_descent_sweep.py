"""The full double-descent width sweep of chapter 06 (trained networks on MNIST-1D).

Run from the repository root (one thread; it took 605 s on a busy 2-core machine):

    .venv/bin/python scripts/double_descent_sweep.py

It trains shallow ReLU nets 40 -> D -> 10 of every width D in WIDTHS with full-batch Adam on the
squared error to one-hot targets, on I = 1000 MNIST-1D training signals of which 20 % have
random labels, once per seed in SEEDS (``dlcore.double_descent_torch.width_sweep``), measures
each net's training and test error (on 1000 test signals), and writes the numbers to
``dlcore/double_descent_sweep.json`` (widths, parameter counts, the errors of each seed, the
settings and this command). Notebook 06 reads that file to draw the full sweep; it runs only a
reduced sweep live. ``--quick`` runs two widths for a few steps, to check the script works.
"""

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from dlcore import double_descent_torch as T
from dlcore.data import mnist1d

OUT = Path(__file__).resolve().parents[1] / "dlcore" / "double_descent_sweep.json"
WIDTHS = [2, 4, 8, 16, 32, 64, 96, 128, 160, 192, 256, 384, 512, 1024]
SEEDS = [0]
CONFIG = T.SweepConfig(n_train=1000, label_noise=0.2, steps=1500, lr=0.003)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 widths, 20 steps, no file")
    args = parser.parse_args()
    widths, config = WIDTHS, CONFIG
    if args.quick:
        widths, config = [4, 16], T.SweepConfig(n_train=1000, steps=20)
    data = mnist1d(seed=42, num_samples=5000)  # 4000 train (we use the first 1000), 1000 test
    t0, runs = time.time(), []
    for seed in SEEDS:
        cfg = T.SweepConfig(**{**asdict(config), "seed": seed})
        runs.append(T.width_sweep(data, widths, cfg))
        print(f"seed {seed}: test error", np.round(runs[-1]["test_error"], 3), flush=True)
    result = {
        "produced_by": "scripts/double_descent_sweep.py",
        "command": ".venv/bin/python scripts/double_descent_sweep.py",
        "data": "mnist1d(seed=42, num_samples=5000): first 1000 training signals, 1000 test",
        "config": asdict(config),
        "seeds": SEEDS,
        "D": list(widths),
        "params": [int(T.n_params(D)) for D in widths],
        "threshold_width": T.threshold_width(config.n_train),
        "train_error": [np.round(r["train_error"], 4).tolist() for r in runs],
        "test_error": [np.round(r["test_error"], 4).tolist() for r in runs],
        "seconds": round(time.time() - t0, 1),
    }
    if args.quick:
        print(json.dumps(result)[:300])
        return
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUT} in {result['seconds']} s")


if __name__ == "__main__":
    main()
