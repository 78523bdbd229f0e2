"""Chapter 08 in PyTorch: small CNNs and fully connected nets with about as many parameters,
trained on the same data: MNIST-1D signals (with and without shift augmentation) and the 8 x 8
digit images bundled with scikit-learn.

Imported only by the notebook cells that train (it loads torch). Rows are examples here, as in
PyTorch: a batch of signals has shape (B, 1, N), a batch of images (B, 1, H, W).
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["Settings", "make_cnn", "make_cnn2d", "make_mlp", "count_params", "random_shift",
           "train", "accuracy", "as_tensors", "activations"]


@dataclass
class Settings:
    epochs: int = 12  # passes over the training set
    batch_size: int = 100  # examples per SGD step
    lr: float = 1e-2  # Adam's step size
    max_shift: int = 0  # augmentation: shift each training signal by -max_shift..max_shift
    seed: int = 0  # torch.manual_seed for the initial weights and the batches


def make_cnn(channels=15, n_in=40, n_classes=10):
    """Three 1-D convolution layers (K = 3; strides 1, 2, 2) then one linear layer.

    (B, 1, 40) -> (B, C, 40) -> (B, C, 20) -> (B, C, 10) -> flatten (B, 10 C) -> (B, 10).
    """
    n_out = n_in // 4  # two stride-2 layers with padding 1
    return nn.Sequential(
        nn.Conv1d(1, channels, 3, padding=1), nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(channels * n_out, n_classes),
    )


def make_cnn2d(channels=(8, 16), k1=5, size=8, n_classes=10):
    """Two 2-D convolution blocks (convolve, ReLU, 2 x 2 max pool) then one linear layer.

    (B, 1, 8, 8) -> conv K1 x K1 (B, C1, 8, 8) -> pool (B, C1, 4, 4) -> conv 3 x 3 (B, C2, 4, 4)
    -> pool (B, C2, 2, 2) -> flatten (B, 4 C2) -> (B, 10).
    """
    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, k1, padding=k1 // 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * (size // 4) ** 2, n_classes),
    )


@torch.no_grad()
def activations(model, x):
    """The output of every ReLU of ``model`` (an nn.Sequential) for the inputs x, as NumPy
    arrays: the feature maps of each convolution layer, e.g. (B, C1, 8, 8) and (B, C2, 4, 4)."""
    model.eval()
    maps = []
    for layer in model:
        x = layer(x)
        if isinstance(layer, nn.ReLU):
            maps.append(x.numpy().copy())
    return maps


def make_mlp(hidden=40, n_in=40, n_classes=10):
    """A fully connected net with two hidden layers: (B, ...) -> flatten (B, n_in) -> hidden ->
    hidden -> n_classes (n_in = 40 for MNIST-1D signals, 64 for 8 x 8 images)."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_in, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, n_classes),
    )


def count_params(model):
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def as_tensors(x, y):
    """NumPy signals (I, N) or images (I, H, W) and labels (I,) -> float32 (I, 1, N) or
    (I, 1, H, W) (one input channel) and int64 (I,) tensors."""
    return (torch.as_tensor(np.asarray(x), dtype=torch.float32)[:, None],
            torch.as_tensor(np.asarray(y), dtype=torch.int64))


def random_shift(x, max_shift, generator):
    """Shift each signal of x (B, 1, N) by its own random t in -max_shift..max_shift, zero fill."""
    if max_shift == 0:
        return x
    B, _, N = x.shape
    t = torch.randint(-max_shift, max_shift + 1, (B,), generator=generator)  # (B,)
    src = torch.arange(N)[None, :] - t[:, None]  # (B, N): output n reads input n - t
    inside = (src >= 0) & (src < N)
    out = torch.gather(x[:, 0], 1, src.clamp(0, N - 1)) * inside  # (B, N)
    return out[:, None, :]


@torch.no_grad()
def accuracy(model, x, y):
    """Fraction of examples whose largest logit is the true class."""
    model.eval()
    return float((model(x).argmax(dim=1) == y).float().mean())


def train(model, train_data, test_data, settings, progress=None):
    """Adam on the cross-entropy loss; returns the per-epoch history of losses and accuracies.

    train_data, test_data: (x (I, 1, N), y (I,)) tensors. ``progress``: an optional tqdm bar,
    advanced once per epoch.
    """
    torch.manual_seed(settings.seed)
    g = torch.Generator().manual_seed(settings.seed)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    x, y = train_data
    history = {"loss": [], "train_acc": [], "test_acc": []}
    for _ in range(settings.epochs):
        model.train()
        order = torch.randperm(len(x), generator=g)
        total = 0.0
        for start in range(0, len(x), settings.batch_size):
            batch = order[start:start + settings.batch_size]
            xb = random_shift(x[batch], settings.max_shift, g)  # augmentation (if any)
            loss = nn.functional.cross_entropy(model(xb), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        history["loss"].append(total / len(x))
        history["train_acc"].append(accuracy(model, x, y))
        history["test_acc"].append(accuracy(model, *test_data))
        if progress is not None:
            progress.update(1)
    return history
