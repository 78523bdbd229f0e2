"""Plots for chapter 11 (dlcore.vae): densities in data space, latent spaces, digit grids."""

import numpy as np

from . import PALETTE, label

__all__ = [
    "DIGIT_CMAP",
    "CLASS_CMAP",
    "plot_curve",
    "plot_density",
    "tile_images",
    "plot_digits",
    "plot_latent",
    "plot_q_ellipses",
    "plot_densities_1d",
]

DIGIT_CMAP = "gray_r"  # ink dark on white, as the digits were written
CLASS_CMAP = "tab10"  # one colour per digit class 0-9


def plot_curve(ax, f_z, color=None, **kwargs):
    """The decoder's curve f[z, phi] in a 2-D data space: f_z (2, J) at increasing z."""
    kwargs.setdefault("linewidth", 1.2)
    (line,) = ax.plot(f_z[0], f_z[1], color=color or PALETTE["black"], **kwargs)
    return line


def plot_density(ax, density, extent, cmap="Blues", vmax=None, **kwargs):
    """A density on a regular grid: density (n_x2, n_x1), rows along x_2 (upwards);
    extent (x1_min, x1_max, x2_min, x2_max). Returns the image."""
    density = np.asarray(density, float)
    img = ax.imshow(density, origin="lower", extent=extent, cmap=cmap, vmin=0.0,
                    vmax=vmax if vmax is not None else float(density.max()) or 1.0,
                    interpolation="bilinear", aspect="auto", **kwargs)
    ax.grid(False)
    return img


def tile_images(images, ncols, pad=1, fill=np.nan):
    """Images (N, h, w) tiled row by row into one (rows * (h + pad) - pad, ...) array; gaps are
    ``fill`` (NaN draws as the background)."""
    images = np.asarray(images, float)
    N, h, w = images.shape
    nrows = -(-N // ncols)
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), fill)
    for k in range(N):
        r, c = divmod(k, ncols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = images[k]
    return out


def plot_digits(ax, images, ncols, title=None, vmin=0.0, vmax=1.0, **kwargs):
    """Digit images (N, 8, 8) in a grid on one Axes, ink dark. Returns the image artist."""
    img = ax.imshow(tile_images(images, ncols), cmap=DIGIT_CMAP, vmin=vmin, vmax=vmax,
                    interpolation="nearest", **kwargs)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return img


def plot_latent(ax, z, y, s=6, alpha=0.7, legend=True, extra=(), **kwargs):
    """Latent codes z (2, I) as dots coloured by class y (I,) in 0..9. Returns the scatter.

    extra: more labelled artists to list in the legend after the ten classes."""
    sc = ax.scatter(z[0], z[1], c=y, cmap=CLASS_CMAP, vmin=-0.5, vmax=9.5, s=s, alpha=alpha,
                    linewidths=0, **kwargs)
    if legend:
        handles = [ax.scatter([], [], color=sc.cmap(sc.norm(k)), s=20, label=str(k))
                   for k in range(10)]
        ax.legend(handles=handles + [_legend_proxy(a) for a in extra], title="digit",
                  loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  title_fontsize=8, handletextpad=0.1, borderaxespad=0.2)
    label(ax, "$z_1$", "$z_2$")
    return sc


def _legend_proxy(artist):
    """A legend handle for an artist the legend cannot draw (an EllipseCollection): an open
    ellipse-like patch with the same edge colour and label; other artists pass through."""
    from matplotlib.collections import EllipseCollection
    from matplotlib.patches import Patch

    if not isinstance(artist, EllipseCollection):
        return artist
    return Patch(facecolor="none", edgecolor=artist.get_edgecolor()[0],
                 linewidth=float(artist.get_linewidth()[0]), label=artist.get_label())


def plot_q_ellipses(ax, mu, sigma, k=2.0, color=None, **kwargs):
    """q(z | x) = Norm(mu, diag(sigma^2)) as axis-aligned ellipses of half-widths k sigma:
    mu, sigma (2, I). Returns the EllipseCollection."""
    from matplotlib.collections import EllipseCollection

    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    coll = EllipseCollection(2 * k * sigma[0], 2 * k * sigma[1], np.zeros(mu.shape[1]),
                             units="xy", offsets=mu.T, offset_transform=ax.transData,
                             facecolors="none", edgecolors=color or PALETTE["black"],
                             linewidths=0.8, **kwargs)
    ax.add_collection(coll)
    return coll


def plot_densities_1d(ax, z, curves, styles=None):
    """Several densities over a 1-D latent: curves maps a label to values (J,). Returns lines."""
    styles = styles or {}
    lines = []
    for name, values in curves.items():
        (line,) = ax.plot(z, values, label=name, **styles.get(name, {}))
        lines.append(line)
    return lines
