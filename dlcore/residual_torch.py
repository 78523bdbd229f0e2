"""Chapter 09's PyTorch code: plain vs residual nets of growing depth on MNIST-1D, and
torch.nn.BatchNorm1d as the reference for dlcore.residual's batch norm.

Imported only by the notebook cells that train or compare with PyTorch.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["RunConfig", "PlainNet", "ResidualNet", "train_depths", "batchnorm1d_reference"]


@dataclass(frozen=True)
class RunConfig:
    width: int = 32  # units per hidden layer D
    steps: int = 250  # Adam steps per run
    batch_size: int = 64  # data points per step
    lr: float = 3e-3  # Adam learning rate
    seed: int = 0  # same data order and initial draws for every run


class PlainNet(nn.Module):
    """K layers, each BatchNorm -> ReLU -> Linear: h_{k+1} = beta_k + Omega_k a[BN[h_k]]."""

    def __init__(self, D_i, D_o, K, D):
        super().__init__()
        self.inp = nn.Linear(D_i, D)
        self.layers = nn.ModuleList(
            nn.Sequential(nn.BatchNorm1d(D), nn.ReLU(), nn.Linear(D, D)) for _ in range(K)
        )
        self.out = nn.Sequential(nn.BatchNorm1d(D), nn.ReLU(), nn.Linear(D, D_o))

    def forward(self, x):
        h = self.inp(x)
        for layer in self.layers:
            h = layer(h)  # the layer *replaces* h
        return self.out(h)


class ResidualNet(PlainNet):
    """The same layers, each used as a residual branch: h_{k+1} = h_k + Omega_k a[BN[h_k]]."""

    def forward(self, x):
        h = self.inp(x)
        for layer in self.layers:
            h = h + layer(h)  # the layer *adds* to h
        return self.out(h)


def _he_init_(net):
    for m in net.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # Omega ~ Norm(0, 2/D_h)
            nn.init.zeros_(m.bias)
    return net


def train_depths(data, runs, config=RunConfig(), progress=True):
    """Train one net per (kind, K) in ``runs`` with Adam on the cross-entropy.

    kind is "plain" or "residual", K the number of hidden layers (blocks).
    data: dict with x (N, D_i), y (N,), x_test, y_test (rows are examples, as in PyTorch).
    Returns {(kind, K): {"loss": per-step training loss (steps,), "train_acc", "test_acc"}}.
    """
    from tqdm.auto import tqdm

    X = torch.as_tensor(np.asarray(data["x"]), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(data["y"]), dtype=torch.long)
    Xt = torch.as_tensor(np.asarray(data["x_test"]), dtype=torch.float32)
    Yt = torch.as_tensor(np.asarray(data["y_test"]), dtype=torch.long)
    n_classes = int(Y.max()) + 1
    results = {}
    bar = tqdm(total=len(runs) * config.steps, desc="training", disable=not progress)
    for kind, K in runs:
        torch.manual_seed(config.seed)
        cls = PlainNet if kind == "plain" else ResidualNet
        net = _he_init_(cls(X.shape[1], n_classes, K, config.width))
        opt = torch.optim.Adam(net.parameters(), lr=config.lr)
        batches = torch.randint(0, X.shape[0], (config.steps, config.batch_size))
        losses = np.empty(config.steps)
        net.train()
        for step in range(config.steps):
            idx = batches[step]
            loss = nn.functional.cross_entropy(net(X[idx]), Y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses[step] = loss.item()
            bar.update(1)
        net.eval()  # batch norm now uses its running averages
        with torch.no_grad():
            train_acc = (net(X).argmax(1) == Y).double().mean().item()
            test_acc = (net(Xt).argmax(1) == Yt).double().mean().item()
        results[(kind, K)] = {"loss": losses, "train_acc": train_acc, "test_acc": test_acc}
    bar.close()
    return results


def batchnorm1d_reference(batches, gamma, delta, alpha=0.1, eps=1e-5, h_test=None):
    """Run torch.nn.BatchNorm1d in training mode on each batch (D, I) in turn, then in eval mode.

    Our convention (units as rows) is transposed for PyTorch (rows are examples). Returns a dict
    with the training outputs of each batch (D, I), running_mean (D,), running_var (D,) and,
    if h_test is given, the eval-mode output on it (D, I). float64 throughout.
    """
    D = np.asarray(batches[0]).shape[0]
    bn = nn.BatchNorm1d(D, eps=eps, momentum=alpha).double()
    with torch.no_grad():
        bn.weight.copy_(torch.as_tensor(np.asarray(gamma, dtype=np.float64).reshape(D)))
        bn.bias.copy_(torch.as_tensor(np.asarray(delta, dtype=np.float64).reshape(D)))
    outs = []
    bn.train()
    with torch.no_grad():
        for h in batches:
            outs.append(bn(torch.as_tensor(np.asarray(h, dtype=np.float64).T)).numpy().T)
        result = {"train_out": outs, "running_mean": bn.running_mean.numpy().copy(),
                  "running_var": bn.running_var.numpy().copy()}
        if h_test is not None:
            bn.eval()
            result["eval_out"] = bn(torch.as_tensor(np.asarray(h_test, dtype=np.float64).T)
                                    ).numpy().T
    return result
