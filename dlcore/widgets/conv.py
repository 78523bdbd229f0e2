"""Interactive figures for chapter 08 (convolutional networks)."""

from functools import lru_cache

import numpy as np

from .. import conv
from ..layers import init_params, relu
from ..plots import COLORS, PALETTE, label
from ..plots.conv import (
    plot_conv_matrix,
    plot_image,
    plot_layers,
    plot_signal,
    plot_taps,
    set_conv_matrix,
    set_layers,
    set_taps,
)
from . import Dropdown, InteractiveFigure, Slider


def example_signal(N=40):
    """A fixed 1-D signal with a step, a ramp, a bump and a spike (the same for everyone)."""
    i = np.arange(N, dtype=float)
    x = np.where((i >= 4) & (i < 12), 1.0, 0.0)  # a step up and down
    x += np.clip((i - 15) / 6, 0, 1) * (i < 22)  # a ramp
    x += 0.8 * np.exp(-0.5 * ((i - 29) / 2.0) ** 2)  # a smooth bump
    x[35] += -1.0  # a spike
    return x


# ------------------------------------------------------------------------------------------
# 1. The notes' kernel-size-3 convolution: three weights on sliders.
# ------------------------------------------------------------------------------------------
X_K3 = example_signal()
OPERATIONS = (("cross-correlation (PyTorch, the notes' z_i)", "xcorr"),
              ("convolution (kernel flipped)", "flipped"))


def compute_kernel3(w1, w2, w3, operation="xcorr", padding="zero"):
    """z for the signal X_K3 and kernel [w1, w2, w3]; valid padding drops the two end outputs."""
    w = np.array([w1, w2, w3], float)
    z = conv.conv1d_k3(X_K3, w) if operation == "xcorr" else conv.convolve_flipped(X_K3, w)
    i = np.arange(X_K3.size)
    if padding == "valid":
        z, i = z[1:-1], i[1:-1]
    # the weights as they meet x_{i-1}, x_i, x_{i+1}: reversed for the flipped convolution
    applied = w if operation == "xcorr" else w[::-1]
    return {"i": i, "z": z, "applied": applied}


def draw_kernel3(fig):
    ax, axk = fig.subplots(1, 2, width_ratios=[4, 1])
    plot_signal(ax, np.arange(X_K3.size), X_K3, name="x", color=PALETTE["grey"])
    z_line = plot_signal(ax, [], [], name="z", color=PALETTE["vermillion"], animated=True)
    ax.set_xlim(-1, X_K3.size)
    ax.set_ylim(-4.5, 4.5)
    ax.legend(loc="upper right", ncols=2)
    label(ax, "position $i$", None, r"$z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1}$ (zero padding)")
    bars = axk.bar([1, 2, 3], [0, 0, 0], color=PALETTE["orange"], width=0.6, animated=True)
    axk.set_xticks([1, 2, 3], ["$x_{i-1}$", "$x_i$", "$x_{i+1}$"])
    axk.set_ylim(-2.1, 2.1)
    axk.axhline(0, color=PALETTE["black"], linewidth=0.6)
    label(axk, None, "weight", "weight on ...")
    text = ax.text(0.01, 0.04, "", transform=ax.transAxes, fontsize=9, animated=True)
    return {"z": z_line, "bars": bars, "text": text}


def update_kernel3(h, data):
    h["z"].set_data(data["i"], data["z"])
    for bar, v in zip(h["bars"], data["applied"], strict=True):
        bar.set_height(v)
    h["text"].set_text(f"{data['z'].size} outputs from {X_K3.size} inputs")
    return None


kernel3 = InteractiveFigure(
    name="ch08.kernel3",
    controls=(Slider("w1", -2.0, 2.0, -1.0, step=0.05, description="w₁"),
              Slider("w2", -2.0, 2.0, 0.0, step=0.05, description="w₂"),
              Slider("w3", -2.0, 2.0, 1.0, step=0.05, description="w₃"),
              Dropdown("operation", OPERATIONS, "xcorr", description="operation"),
              Dropdown("padding", ("zero", "valid"), "zero", description="padding")),
    compute=compute_kernel3, draw=draw_kernel3, update=update_kernel3, figsize=(10.0, 3.2),
)


# ------------------------------------------------------------------------------------------
# 2. Kernel size, stride, padding and dilation: which inputs feed which output.
# ------------------------------------------------------------------------------------------
N_GEOM = 12


def compute_geometry(K, S, P, D):
    n_o = conv.conv_output_size(N_GEOM, K, S, P, D)
    return {"K": int(K), "S": int(S), "P": int(P), "D": int(D), "n_o": n_o}


def draw_geometry(fig):
    ax = fig.subplots()
    taps = plot_taps(ax, N_GEOM, 3, animated=True)
    ax.set_xlim(-5.5, N_GEOM + 4.5)
    ax.set_ylim(-0.45, 1.75)
    ax.set_xticks(range(-4, N_GEOM + 4, 2))
    ax.legend(loc="upper right", ncols=3)
    text = ax.text(0.01, 0.95, "", transform=ax.transAxes, ha="left", va="top", fontsize=10,
                   animated=True)
    return {"taps": taps, "text": text}


def update_geometry(h, d):
    set_taps(h["taps"], N_GEOM, d["K"], d["S"], d["P"], d["D"])
    h["text"].set_text(f"N_o = ⌊({N_GEOM} + {2 * d['P']} - {d['D'] * (d['K'] - 1)} - 1) / "
                       f"{d['S']}⌋ + 1 = {d['n_o']}")
    if d["n_o"] == 0:
        return (f"no outputs: the dilated kernel spans {d['D'] * (d['K'] - 1) + 1} inputs, more "
                f"than the {N_GEOM + 2 * d['P']} padded inputs")
    if d["K"] == 1 and d["D"] > 1:
        return f"dilation D = {d['D']} has no effect when K = 1: a single tap has no gaps"
    return None


geometry = InteractiveFigure(
    name="ch08.geometry",
    controls=(Slider("K", 1, 7, 3, kind="int", description="kernel size K"),
              Slider("S", 1, 4, 1, kind="int", description="stride S"),
              Slider("P", 0, 4, 0, kind="int", description="zero padding P"),
              Slider("D", 1, 4, 1, kind="int", description="dilation D")),
    compute=compute_geometry, draw=draw_geometry, update=update_geometry, figsize=(10.0, 3.0),
)


# ------------------------------------------------------------------------------------------
# 3. Receptive fields growing with depth, stride and dilation.
# ------------------------------------------------------------------------------------------
RF_HALF = 24  # input positions -RF_HALF..RF_HALF are drawn
RF_ROWS = 5  # input + up to four layers


def compute_receptive_field(layers, K, S, D):
    layers, K, S, D = int(layers), int(K), int(S), int(D)
    field, edges = conv.receptive_field_units(layers, K, S, D)
    all_units = []
    for layer in range(layers + 1):
        step = S ** layer
        n = RF_HALF // step
        all_units.append(np.arange(-n, n + 1) * step)
    r = conv.receptive_field([K] * layers, [S] * layers, [D] * layers) if layers else 1
    return {"all": all_units, "field": field, "edges": edges, "r": r, "layers": layers,
            "K": K, "S": S, "D": D}


def draw_receptive_field(fig):
    ax = fig.subplots()
    artists = plot_layers(ax, RF_ROWS, animated=True)
    ax.set_xlim(-RF_HALF - 1, RF_HALF + 1)
    text = ax.text(0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=9, animated=True,
                   bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
    return {"layers": artists, "text": text}


def update_receptive_field(h, d):
    set_layers(h["layers"], d["all"], d["field"], d["edges"])
    terms = " + ".join(f"{d['K'] - 1}·{d['D']}·{d['S'] ** k}" for k in range(d["layers"]))
    wide = " (wider than drawn)" if d["r"] > 2 * RF_HALF + 1 else ""
    h["text"].set_text(f"r = 1 + {terms} = {d['r']}{wide}")
    return None


receptive_field = InteractiveFigure(
    name="ch08.receptive_field",
    controls=(Slider("layers", 1, 4, 2, kind="int", description="layers"),
              Slider("K", 1, 7, 3, kind="int", description="kernel size K"),
              Slider("S", 1, 3, 1, kind="int", description="stride S"),
              Slider("D", 1, 4, 1, kind="int", description="dilation D")),
    compute=compute_receptive_field, draw=draw_receptive_field, update=update_receptive_field,
    figsize=(10.0, 3.6),
)


# ------------------------------------------------------------------------------------------
# 4. 2-D convolution on a real photo.
# ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def photo():
    """scikit-learn's bundled china.jpg as grey values in [0, 1], halved to (213, 320)."""
    from sklearn.datasets import load_sample_image

    rgb = load_sample_image("china.jpg").astype(float) / 255.0  # (427, 640, 3)
    grey = rgb @ np.array([0.299, 0.587, 0.114])  # (427, 640)
    return conv.avg_pool2d(grey[None], 2)[0]  # (213, 320)


@lru_cache(maxsize=16)
def _filtered(kernel_name):
    """conv2d of the photo with a named kernel, padding K // 2 so the size is kept."""
    w = conv.KERNELS_2D[kernel_name]
    return conv.conv2d(photo()[None], w[None, None], padding=w.shape[0] // 2)[0]


PHOTO_KERNELS = ("edge: oriented (angle)",) + tuple(conv.KERNELS_2D)


def compute_photo(kernel, angle, stride):
    """The kernel and the (strided) output; the oriented edge is cos a Sobel_x + sin a Sobel_y,
    and by linearity its output is the same combination of the two outputs."""
    stride = int(stride)
    if kernel == "edge: oriented (angle)":
        a = np.deg2rad(angle)
        c, s = np.cos(a), np.sin(a)
        w = c * conv.KERNELS_2D["edge: Sobel x"] + s * conv.KERNELS_2D["edge: Sobel y"]
        out = c * _filtered("edge: Sobel x") + s * _filtered("edge: Sobel y")
    else:
        w, out = conv.KERNELS_2D[kernel], _filtered(kernel)
    out = out[::stride, ::stride]  # stride S keeps every S-th output in each direction
    signed = w.sum() < 0.5  # edge kernels sum to 0: show signed values
    return {"w": w, "out": out, "signed": bool(signed), "stride": stride,
            "angle_unused": kernel != "edge: oriented (angle)" and angle != 0}


def draw_photo(fig):
    ax_in, ax_k, ax_out = fig.subplots(1, 3, width_ratios=[3, 1.1, 3])
    img = photo()
    extent = (0, img.shape[1], img.shape[0], 0)
    plot_image(ax_in, img, "input photo $x$ (213 x 320)", vmin=0, vmax=1)
    kern = plot_image(ax_k, np.zeros((3, 3)), "kernel $w_{m,n}$", cmap="RdBu_r", vmin=-2.5,
                      vmax=2.5, animated=True, extent=(0, 1, 1, 0))
    out = plot_image(ax_out, np.zeros((2, 2)), None, animated=True, extent=extent)
    ax_out.set_xlim(0, img.shape[1])
    ax_out.set_ylim(img.shape[0], 0)
    title = ax_out.text(0.5, 1.02, "", transform=ax_out.transAxes, ha="center", va="bottom",
                        animated=True)
    return {"kern": kern, "out": out, "title": title}


def update_photo(h, d):
    h["kern"].set_data(d["w"])
    h["kern"].set_clim(-np.abs(d["w"]).max(), np.abs(d["w"]).max())  # white = 0
    out = d["out"]
    h["out"].set_data(out)
    if d["signed"]:
        m = max(float(np.percentile(np.abs(out), 99)), 1e-12)  # robust: ignore the borders
        h["out"].set_cmap("RdBu_r")
        h["out"].set_clim(-m, m)
    else:
        h["out"].set_cmap("gray")
        h["out"].set_clim(0, 1)
    h["title"].set_text(f"output $h$ {out.shape[0]} x {out.shape[1]} (stride {d['stride']})")
    if d["angle_unused"]:
        return "the edge angle has no effect on this kernel: it only turns the oriented edge kernel"
    return None


photo_kernels = InteractiveFigure(
    name="ch08.photo_kernels",
    controls=(Dropdown("kernel", PHOTO_KERNELS, PHOTO_KERNELS[0], description="kernel"),
              Slider("angle", 0.0, 180.0, 0.0, step=5.0, description="edge angle (deg)"),
              Slider("stride", 1, 4, 1, kind="int", description="stride S")),
    compute=compute_photo, draw=draw_photo, update=update_photo, figsize=(10.0, 3.2),
)


# ------------------------------------------------------------------------------------------
# 5. Equivariance of convolution, invariance of pooling + a dense head.
# ------------------------------------------------------------------------------------------
N_EQ = 60
X_EQ = np.zeros(N_EQ)
X_EQ[22:38] = np.sin(np.linspace(0, 2.5 * np.pi, 16)) * np.linspace(1, 0.3, 16)
_eq_rng = np.random.default_rng(8)  # fixed weights: the same figure for everyone
# 3 kernels of size 5 (as a layer 5 -> 3), then a dense head on the 3 pooled channels
_, (_kernels, HEAD_EQ) = init_params([5, 3, 4], [0.7, 1.0], _eq_rng)
OMEGA_EQ = _kernels[:, None, :]  # (C_o, C_i, K) = (3, 1, 5)
_, (FC_EQ,) = init_params([N_EQ, 4], 0.4, _eq_rng)  # a fully connected layer on all 60 inputs
del _eq_rng, _kernels


def compute_equivariance(t):
    t = int(t)
    xt = conv.shift(X_EQ, t)
    h_x = relu(conv.conv1d(X_EQ[None], OMEGA_EQ, padding=2))  # (3, N)
    h_t = relu(conv.conv1d(xt[None], OMEGA_EQ, padding=2))  # (3, N): conv of shifted
    cnn = HEAD_EQ @ conv.global_max_pool(h_t)  # (4,) pooled then dense: invariant
    cnn0 = HEAD_EQ @ conv.global_max_pool(h_x)
    fc, fc0 = FC_EQ @ xt, FC_EQ @ X_EQ  # (4,): no weight sharing, no pooling
    return {"xt": xt, "h_t": h_t[0], "t_h": conv.shift(h_x[0], t), "cnn": cnn, "cnn0": cnn0,
            "fc": fc, "fc0": fc0, "t": t, "gap": float(np.abs(h_t - conv.shift(h_x, t)).max())}


def draw_equivariance(fig):
    ax_x, ax_h, ax_c, ax_f = fig.subplots(1, 4, width_ratios=[3, 3, 1.6, 1.6])
    i = np.arange(N_EQ)
    plot_signal(ax_x, i, X_EQ, name="x", color=PALETTE["grey"], markersize=2)
    xt = plot_signal(ax_x, i, X_EQ, name=None, color=PALETTE["blue"], markersize=2,
                     animated=True, label="$t[x]$")
    ax_x.set_ylim(-1.3, 1.6)
    ax_x.legend(loc="upper left", ncols=2)
    label(ax_x, "position", None, "input and shifted input")
    (ht,) = ax_h.plot(i, np.zeros(N_EQ), color=PALETTE["vermillion"], linewidth=2.5,
                      animated=True, label="$f[t[x]]$")
    (th,) = ax_h.plot(i, np.zeros(N_EQ), "o", color=PALETTE["black"], markersize=2.5,
                      animated=True, label="$t[f[x]]$")
    ax_h.set_ylim(-0.1, 3.0)
    ax_h.set_xlim(-1, N_EQ)
    ax_h.legend(loc="upper right")
    label(ax_h, "position", None, "conv layer: equivariant")
    bars = {}
    for ax, key, title in ((ax_c, "cnn", "pool + dense:\ninvariant"),
                           (ax_f, "fc", "fully connected:\nneither")):
        b0 = ax.bar(np.arange(4) - 0.2, np.zeros(4), width=0.4, color=PALETTE["grey"],
                    animated=True, label="$x$")
        b1 = ax.bar(np.arange(4) + 0.2, np.zeros(4), width=0.4, color=COLORS[0],
                    animated=True, label="$t[x]$")
        ax.set_ylim(-4, 4)
        ax.set_xticks(range(4), [f"$y_{k + 1}$" for k in range(4)])
        ax.axhline(0, color=PALETTE["black"], linewidth=0.6)
        ax.set_title(title)
        bars[key] = (b0, b1)
    ax_f.legend(loc="lower right", fontsize=7)
    text = ax_h.text(0.02, 0.97, "", transform=ax_h.transAxes, fontsize=8, va="top",
                     animated=True)
    return {"xt": xt, "ht": ht, "th": th, "bars": bars, "text": text}


def update_equivariance(h, d):
    i = np.arange(N_EQ)
    h["xt"].set_data(i, d["xt"])
    h["ht"].set_data(i, d["h_t"])
    h["th"].set_data(i, d["t_h"])
    for key in ("cnn", "fc"):
        b0, b1 = h["bars"][key]
        for bar, v in zip(b0, np.clip(d[key + "0"], -4, 4), strict=True):
            bar.set_height(v)
        for bar, v in zip(b1, np.clip(d[key], -4, 4), strict=True):
            bar.set_height(v)
    change_cnn = np.abs(d["cnn"] - d["cnn0"]).max()
    change_fc = np.abs(d["fc"] - d["fc0"]).max()
    h["text"].set_text(f"max gap {d['gap']:.0e}\nchange: pooled {change_cnn:.2f}, "
                       f"dense {change_fc:.2f}")
    return None


equivariance = InteractiveFigure(
    name="ch08.equivariance",
    controls=(Slider("t", -12, 12, 6, kind="int", description="shift t"),),
    compute=compute_equivariance, draw=draw_equivariance, update=update_equivariance,
    figsize=(11.0, 3.2),
)

# ------------------------------------------------------------------------------------------
# 6. Convolution as a banded matrix: h = M x.
# ------------------------------------------------------------------------------------------
N_MAT, K_MAT, S_MAT, P_MAT, D_MAT = 12, 5, 3, 3, 3  # input length and the sliders' maxima
ROWS_MAT = N_MAT + 2 * P_MAT  # the most outputs any setting gives (K = 1, S = 1, P = 3)


def compute_matrix(K, S, P, D):
    """M of conv1d_as_matrix for the kernel w = [1, 2, .., K] on N_MAT inputs, drawn into a
    fixed (ROWS_MAT, N_MAT) grid (NaN below the last row) so the axes never change."""
    K, S, P, D = int(K), int(S), int(P), int(D)
    n_o = conv.conv_output_size(N_MAT, K, S, P, D)
    grid = np.full((ROWS_MAT, N_MAT), np.nan)
    nnz = 0
    if n_o > 0:
        M = conv.conv1d_as_matrix(np.arange(1.0, K + 1), N_MAT, S, P, D)  # (n_o, N_MAT)
        grid[:n_o] = M
        nnz = int(np.count_nonzero(M))
    return {"grid": grid, "n_o": n_o, "nnz": nnz, "K": K, "S": S, "P": P, "D": D}


def draw_matrix(fig):
    ax = fig.subplots()
    im = plot_conv_matrix(ax, np.full((ROWS_MAT, N_MAT), np.nan), K_MAT, animated=True)
    ax.set_xticks(range(N_MAT))
    ax.set_yticks(range(0, ROWS_MAT, 2))
    handles = [ax.bar(0, 0, color=COLORS[k], label=f"$w_{k + 1} = {k + 1}$") for k in range(K_MAT)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="kernel")
    ax.set_title(" ")  # room for the text above the matrix
    text = ax.text(0.5, 1.01, "", transform=ax.transAxes, ha="center", va="bottom",
                   animated=True)
    return {"im": im, "text": text}


def update_matrix(h, d):
    set_conv_matrix(h["im"], d["grid"], K_MAT)
    n_o, K = d["n_o"], d["K"]
    share = d["nnz"] / max(n_o * N_MAT, 1)
    h["text"].set_text(f"M: {n_o} x {N_MAT}, {d['nnz']} of {n_o * N_MAT} entries nonzero "
                       f"({share:.0%})")
    if n_o == 0:
        return (f"no outputs: the dilated kernel spans {d['D'] * (K - 1) + 1} inputs, more than "
                f"the {N_MAT + 2 * d['P']} padded inputs")
    if K == 1 and d["D"] > 1:
        return f"dilation D = {d['D']} has no effect when K = 1: a single tap has no gaps"
    return None


banded_matrix = InteractiveFigure(
    name="ch08.banded_matrix",
    controls=(Slider("K", 1, K_MAT, 3, kind="int", description="kernel size K"),
              Slider("S", 1, S_MAT, 1, kind="int", description="stride S"),
              Slider("P", 0, P_MAT, 1, kind="int", description="zero padding P"),
              Slider("D", 1, D_MAT, 1, kind="int", description="dilation D")),
    compute=compute_matrix, draw=draw_matrix, update=update_matrix, figsize=(7.0, 4.4),
)

__all__ = ["kernel3", "geometry", "receptive_field", "photo_kernels", "equivariance",
           "banded_matrix", "compute_matrix", "example_signal", "photo", "compute_kernel3",
           "compute_geometry", "compute_receptive_field", "compute_photo", "compute_equivariance"]
