"""Chapter 09's PyTorch code: plain vs residual nets of growing depth on MNIST-1D, and
torch.nn.BatchNorm1d as the reference for dlcore.residual's batch norm.

Imported only by the notebook cells that train or compare with PyTorch.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["RunConfig", "PlainNet", "ResidualNet", "train_depths", "batchnorm1d_reference",
           "SweepConfig", "DeepNet", "lr_sweep", "gradient_norms", "UNetConfig", "TinyUNet",
           "train_unet", "predict_masks"]


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


# ------------------------------------------------------------------------------------------
# Batch norm allows higher learning rates: a deep plain net, with and without BN, plain SGD
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepConfig:
    depth: int = 6  # hidden layers K
    width: int = 24  # units per hidden layer D
    steps: int = 60  # SGD steps per run
    batch_size: int = 64
    seed: int = 0  # same data order and initial draws for every run


class DeepNet(nn.Module):
    """K hidden layers, each Linear -> (BatchNorm) -> ReLU, then a linear output layer."""

    def __init__(self, D_i, D_o, K, D, batch_norm):
        super().__init__()
        dims = [D_i] + [D] * K
        self.layers = nn.Sequential(*(
            nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b) if batch_norm else nn.Identity(),
                          nn.ReLU()) for a, b in zip(dims[:-1], dims[1:], strict=True)))
        self.out = nn.Linear(D, D_o)

    def forward(self, x):
        return self.out(self.layers(x))


def lr_sweep(data, lrs, config=SweepConfig(), progress=True):
    """Train DeepNet with and without batch norm by SGD at each learning rate in ``lrs``.

    Returns {(batch_norm, lr): final training loss}, the cross-entropy on the whole training
    set after ``config.steps`` steps, in training mode (batch statistics), inf if it diverged.
    """
    from tqdm.auto import tqdm

    X = torch.as_tensor(np.asarray(data["x"]), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(data["y"]), dtype=torch.long)
    X = (X - X.mean(0)) / X.std(0)  # standardised inputs: the first layer is fair to both nets
    n_classes = int(Y.max()) + 1
    results = {}
    bar = tqdm(total=2 * len(lrs), desc="learning rates", disable=not progress)
    for batch_norm in (False, True):
        for lr in lrs:
            torch.manual_seed(config.seed)
            net = _he_init_(DeepNet(X.shape[1], n_classes, config.depth, config.width,
                                    batch_norm))
            opt = torch.optim.SGD(net.parameters(), lr=lr)
            batches = torch.randint(0, X.shape[0], (config.steps, config.batch_size))
            for idx in batches:
                loss = nn.functional.cross_entropy(net(X[idx]), Y[idx])
                if not torch.isfinite(loss):
                    break
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                final = nn.functional.cross_entropy(net(X), Y).item()
            results[batch_norm, lr] = final if np.isfinite(final) else np.inf
            bar.update(1)
    bar.close()
    return results


# ------------------------------------------------------------------------------------------
# Gradients through a deep stack: plain layers vs two-layer residual blocks
# ------------------------------------------------------------------------------------------
def gradient_norms(K, D, residual, I=64, seed=0):
    """||dL/dh_k|| for k = 0..K through K blocks of width D, at PyTorch's default init.

    plain:    h_{k+1} = beta2 + Omega2 a[beta1 + Omega1 a[h_k]]         (the same two layers)
    residual: h_{k+1} = h_k + beta2 + Omega2 a[beta1 + Omega1 a[h_k]]   (a two-layer block)
    Both stacks have the same 2K layers (same draws); only the skip differs. L = sum of the last h times a
    fixed random upstream gradient. Returns (K + 1,) numpy: the gradient's size at each h_k.
    """
    torch.manual_seed(seed)
    layers = [nn.Linear(D, D) for _ in range(2 * K)]  # default init: Var = 1/(3 D)
    h = torch.randn(I, D, requires_grad=True)
    hs = [h]
    for k in range(K):
        l1, l2 = layers[2 * k], layers[2 * k + 1]
        if residual:
            h = h + l2(torch.relu(l1(torch.relu(h))))  # the skip plus the two-layer branch
        else:
            h = l2(torch.relu(l1(torch.relu(h))))  # the same two layers, no skip
        h.retain_grad()
        hs.append(h)
    (h * torch.randn(I, D)).sum().backward()
    return np.array([x.grad.norm().item() for x in hs])


# ------------------------------------------------------------------------------------------
# A tiny U-Net for segmentation
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UNetConfig:
    channels: int = 6  # channels at full resolution; doubled at each level down
    steps: int = 120  # Adam steps
    batch_size: int = 8
    lr: float = 1e-2
    seed: int = 0


def _conv_block(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU())


class TinyUNet(nn.Module):
    """Two levels down, two up: encoder (conv, pool), bottleneck, decoder (upsample, concatenate
    the encoder's features of the same resolution, conv), one logit per pixel."""

    def __init__(self, C=8, skips=True):
        super().__init__()
        self.skips = skips
        k = 2 if skips else 1  # a decoder level sees its input, plus the encoder's if skipped
        self.enc1, self.enc2 = _conv_block(1, C), _conv_block(C, 2 * C)
        self.mid = _conv_block(2 * C, 4 * C)
        self.up2, self.dec2 = nn.ConvTranspose2d(4 * C, 2 * C, 2, stride=2), _conv_block(k * 2 * C, 2 * C)
        self.up1, self.dec1 = nn.ConvTranspose2d(2 * C, C, 2, stride=2), _conv_block(k * C, C)
        self.head = nn.Conv2d(C, 1, 1)

    def forward(self, x):  # x (B, 1, H, W)
        e1 = self.enc1(x)  # (B, C, H, W)
        e2 = self.enc2(nn.functional.max_pool2d(e1, 2))  # (B, 2C, H/2, W/2)
        b = self.mid(nn.functional.max_pool2d(e2, 2))  # (B, 4C, H/4, W/4): the bottleneck
        d2 = self.up2(b)  # (B, 2C, H/2, W/2)
        d2 = self.dec2(torch.cat([d2, e2], 1) if self.skips else d2)  # skip: concatenate
        d1 = self.up1(d2)  # (B, C, H, W)
        d1 = self.dec1(torch.cat([d1, e1], 1) if self.skips else d1)
        return self.head(d1)[:, 0]  # (B, H, W): one logit per pixel


def train_unet(images, masks, config=UNetConfig(), skips=True, progress=True):
    """Train TinyUNet on (images (N, H, W), masks (N, H, W) in {0, 1}) with Adam on the
    per-pixel binary cross-entropy. Returns (net in eval mode, losses (steps,))."""
    from tqdm.auto import tqdm

    torch.manual_seed(config.seed)
    X = torch.as_tensor(np.asarray(images), dtype=torch.float32)[:, None]
    Y = torch.as_tensor(np.asarray(masks), dtype=torch.float32)
    net = TinyUNet(config.channels, skips)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    batches = torch.randint(0, X.shape[0], (config.steps, config.batch_size))
    losses = np.empty(config.steps)
    net.train()
    for step, idx in enumerate(tqdm(batches, desc="U-Net", disable=not progress)):
        loss = nn.functional.binary_cross_entropy_with_logits(net(X[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[step] = loss.item()
    net.eval()
    return net, losses


def predict_masks(net, images):
    """The net's mask (probability > 1/2) for images (N, H, W): a bool numpy array."""
    with torch.no_grad():
        logits = net(torch.as_tensor(np.asarray(images), dtype=torch.float32)[:, None])
    return (logits > 0).numpy()
