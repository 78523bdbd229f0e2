"""A small variational autoencoder in PyTorch, trained on the 8x8 digits (chapter 11).
Imported only by the notebook cells that train it, and by the tests.

PyTorch keeps data points as **rows**: a batch is (B, D_x), the transpose of the notes' columns.
The functions that hand results back to NumPy (``encode``, ``decode``, ``decoder_params``)
return the notes' layout, points as columns.

The model, in the notes' symbols:
    encoder  g[x, theta] -> (mu, log sigma^2)      q(z | x, theta) = Norm_z[mu, diag(sigma^2)]
    sample   z* = mu + sigma * eps, eps ~ Norm(0, I)  (the reparameterisation trick)
    decoder  f[z*, phi] = sig[MLP(z*)]             Pr(x | z*, phi) = Norm_x[f[z*, phi], sigma2 I]
    ELBO     log Pr(x | z*, phi) - D_KL[q(z | x, theta) || Norm(0, I)]
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .checks import as_float_array, check_shape

__all__ = ["VAEConfig", "VAE", "negative_elbo", "train", "encode", "decode", "decoder_params"]


@dataclass
class VAEConfig:
    D_x: int = 64  # pixels of an 8x8 digit
    D_z: int = 2  # latent dimensions: 2, so the latent space can be drawn
    D_h: int = 128  # hidden units in each layer of the encoder and of the decoder
    sigma2: float = 0.03  # the decoder's fixed variance: Pr(x|z) = Norm(f[z, phi], sigma2 I)
    epochs: int = 60  # passes over the training digits
    batch_size: int = 64
    lr: float = 3e-3  # Adam's step size


# float32 whatever torch.get_default_dtype() says (a notebook or test may have set float64)
DTYPE = torch.float32


class VAE(nn.Module):
    """Encoder g[x, theta] and decoder f[z, phi], two hidden ReLU layers each."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.g = nn.Sequential(  # g[x, theta]: x -> (mu, log sigma^2), 2 D_z outputs
            nn.Linear(cfg.D_x, cfg.D_h, dtype=DTYPE), nn.ReLU(),
            nn.Linear(cfg.D_h, cfg.D_h, dtype=DTYPE), nn.ReLU(),
            nn.Linear(cfg.D_h, 2 * cfg.D_z, dtype=DTYPE))
        self.f = nn.Sequential(  # f[z, phi] before the sigmoid
            nn.Linear(cfg.D_z, cfg.D_h, dtype=DTYPE), nn.ReLU(),
            nn.Linear(cfg.D_h, cfg.D_h, dtype=DTYPE), nn.ReLU(),
            nn.Linear(cfg.D_h, cfg.D_x, dtype=DTYPE))

    def encode(self, x):
        """x (B, D_x) -> mu (B, D_z), log sigma^2 (B, D_z): q(z | x, theta)."""
        mu, log_sigma2 = self.g(x).chunk(2, dim=-1)
        return mu, log_sigma2

    def decode(self, z):
        """z (B, D_z) -> f[z, phi] (B, D_x), pixel means in (0, 1)."""
        return torch.sigmoid(self.f(z))

    def forward(self, x, eps):
        """One pass of the VAE: returns f[z*, phi], mu, log sigma^2 (eps (B, D_z) given)."""
        mu, log_sigma2 = self.encode(x)
        z = mu + torch.exp(0.5 * log_sigma2) * eps  # z* = mu + sigma eps: gradients reach mu, sigma
        return self.decode(z), mu, log_sigma2


def negative_elbo(model, x, eps):
    """-ELBO averaged over the batch, and its two parts (each averaged over the batch):
    recon = -log Pr(x | z*, phi) (Gaussian, variance sigma2) and the closed-form
    kl = 0.5 sum(sigma^2 + mu^2 - 1 - log sigma^2). Returns (loss, recon, kl) tensors."""
    f_z, mu, log_sigma2 = model(x, eps)
    s2 = model.cfg.sigma2
    D_x = x.shape[1]
    recon = 0.5 * (((x - f_z) ** 2).sum(1) / s2 + D_x * math.log(2 * math.pi * s2))  # (B,)
    kl = 0.5 * (log_sigma2.exp() + mu**2 - 1.0 - log_sigma2).sum(1)  # (B,)
    return (recon + kl).mean(), recon.mean(), kl.mean()


def _rows(a, name, D, what):
    """a as a float array (I, D), one data point per row (PyTorch's layout), checked at the door."""
    return check_shape(as_float_array(a, name), name, (None, D), what)


def train(model, x, seed=0, progress=True):
    """Adam on -ELBO over shuffled mini-batches for cfg.epochs epochs, one eps per image and step.

    x: (I, D_x) array of training images as rows. Returns a dict of per-epoch means:
    "loss" (-ELBO), "recon" (-log Pr(x|z*)), "kl" (D_KL to the prior), per image.
    """
    from tqdm.auto import tqdm

    cfg = model.cfg
    g = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(_rows(x, "x", cfg.D_x, "(I, D_x): images as rows"), dtype=DTYPE)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history = {"loss": [], "recon": [], "kl": []}
    model.train()
    bar = tqdm(range(cfg.epochs), desc="training", disable=not progress, mininterval=0.5)
    for _ in bar:
        order = torch.randperm(x.shape[0], generator=g)
        sums = np.zeros(3)
        for start in range(0, x.shape[0], cfg.batch_size):
            batch = x[order[start:start + cfg.batch_size]]  # (B, D_x)
            eps = torch.randn(batch.shape[0], cfg.D_z, generator=g, dtype=DTYPE)  # (B, D_z)
            loss, recon, kl = negative_elbo(model, batch, eps)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sums += batch.shape[0] * np.array([loss.item(), recon.item(), kl.item()])
        for key, value in zip(history, sums / x.shape[0], strict=True):
            history[key].append(value)
        bar.set_postfix(loss=f"{history['loss'][-1]:.1f}", refresh=False)
    model.eval()
    return {k: np.array(v) for k, v in history.items()}


@torch.no_grad()
def encode(model, x):
    """q(z | x, theta) for images x (I, D_x) as rows -> mu (D_z, I), sigma (D_z, I) as columns."""
    x = _rows(x, "x", model.cfg.D_x, "(I, D_x): images as rows")
    mu, log_sigma2 = model.encode(torch.as_tensor(x, dtype=DTYPE))
    return mu.double().numpy().T, torch.exp(0.5 * log_sigma2).double().numpy().T


@torch.no_grad()
def decode(model, z):
    """f[z, phi] for latents z (D_z, I) as columns -> images (D_x, I) as columns."""
    z = as_float_array(z, "z")
    check_shape(z, "z", (model.cfg.D_z, None), "(D_z, I): latent codes as columns")
    z = torch.as_tensor(z.T, dtype=DTYPE)
    return model.decode(z).double().numpy().T


def decoder_params(model):
    """NumPy copies (betas, omegas) of the decoder's layers, for ``dlcore.vae.decoder_mean``:
    omegas[k] (D_{k+1}, D_k) is a Linear layer's weight, betas[k] (D_{k+1},) its bias."""
    layers = [m for m in model.f if isinstance(m, nn.Linear)]
    betas = [m.bias.detach().double().numpy().copy() for m in layers]
    omegas = [m.weight.detach().double().numpy().copy() for m in layers]
    return betas, omegas
