"""Chapter 05's training run (PyTorch): one deep ReLU net, trained from three initialisations.

The same standard-normal draws are scaled to sigma_Omega^2 = multiple x 2 / D_h for each run,
so the runs differ only in the initial weight variance. Imported only by the notebook cell
that trains.
"""

from dataclasses import dataclass

import numpy as np
import torch

from .init import he_std

__all__ = ["RunConfig", "deep_relu_net", "he_init_", "train_runs"]


@dataclass(frozen=True)
class RunConfig:
    depth: int = 20  # hidden layers K
    width: int = 64  # units per hidden layer D_h
    steps: int = 200  # SGD steps per run
    batch_size: int = 64  # data points per step
    lr: float = 0.01  # SGD learning rate, tuned for He initialisation
    momentum: float = 0.9  # SGD momentum
    seed: int = 0  # the weights' draws and the batches are the same in every run


def deep_relu_net(D_i, D_o, config):
    """Linear -> ReLU, ``depth`` times, then a linear output layer: K + 1 weight matrices."""
    sizes = [D_i] + [config.width] * config.depth + [D_o]
    layers = []
    for k in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def he_init_(net, multiple):
    """beta_k = 0 and Omega_k ~ Norm(0, multiple x 2 / D_h), D_h = fan-in (in place)."""
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, torch.nn.Linear):
                D_h = layer.weight.shape[1]  # fan-in
                layer.weight.normal_(0.0, float(he_std(D_h) * np.sqrt(multiple)))
                layer.bias.zero_()
    return net


def train_runs(x, y, multiples, config=RunConfig(), progress=True):
    """Train one net per initial variance multiple with SGD on the cross-entropy.

    x: (I, D_i) float array (rows are examples, as PyTorch expects); y: (I,) int labels.
    Returns {multiple: losses per step (steps,)}; a run whose loss becomes inf/NaN stops and
    the rest of its curve is NaN ("diverged").
    """
    from tqdm.auto import tqdm

    X = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    n_classes = int(Y.max()) + 1
    curves = {}
    bar = tqdm(total=len(multiples) * config.steps, desc="training", disable=not progress)
    for multiple in multiples:
        torch.manual_seed(config.seed)  # same draws, same batches: only the scale differs
        net = he_init_(deep_relu_net(X.shape[1], n_classes, config), multiple)
        opt = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum)
        batches = torch.randint(0, X.shape[0], (config.steps, config.batch_size))
        losses = np.full(config.steps, np.nan)
        for step in range(config.steps):
            idx = batches[step]
            loss = torch.nn.functional.cross_entropy(net(X[idx]), Y[idx])
            losses[step] = loss.item()
            bar.update(1)
            if not np.isfinite(losses[step]):  # diverged: stop this run
                bar.update(config.steps - step - 1)
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        curves[multiple] = losses
    bar.close()
    return curves
