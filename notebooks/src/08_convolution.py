# %% [markdown]
# # 08 · Convolutional networks
#
# A fully connected layer treats its input as an unordered list of numbers. Images, sounds and
# time series are not like that: nearby values belong together, and a pattern means the same
# thing wherever it appears. A **convolutional layer** builds both facts in by sliding one small
# set of weights, the kernel, along the input. After this chapter you can
#
# * compute a 1-D and a 2-D convolution by hand and in NumPy, and tell the deep-learning
#   convention (cross-correlation) from the flipped convolution of signal processing;
# * predict the output length for any kernel size $K$, stride $S$, padding $P$ and dilation $D$,
#   the parameter count $C_o C_i K^2 + C_o$ of a layer, and the receptive field of a stack;
# * say which operations are *equivariant* to shifts (convolution) and which are *invariant*
#   (pooling followed by a dense head), and why that helps generalisation;
# * down-sample (strided convolution, max and mean pooling) and up-sample (nearest, max
#   unpooling, bilinear, transposed convolution), and use a $1\times1$ convolution to change the
#   number of channels;
# * write a convolution as a sparse, banded matrix whose rows share the same few weights;
# * train a small CNN and a fully connected net of the same size in PyTorch (on 1-D signals and
#   on $8 \times 8$ images of digits), see the CNN generalise better and shift augmentation help
#   both, and look inside the trained CNN: its first-layer filters and its feature maps.
#
# **Prerequisites:** chapter 01 (layers $h = a[\beta + \Omega x]$), chapter 02 (cross-entropy)
# and chapter 03 (Adam). Everything else is built here.
#
# **How to use it:** run all cells from the top. Move the sliders under each interactive figure;
# each one is redrawn from the NumPy code in `dlcore.conv`, which the tests check against
# `torch.nn.functional`. Exercises end with a check cell that says what is wrong.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import conv
from dlcore.plots import new_figure, label, PALETTE, COLORS
from dlcore.plots.conv import (plot_signal, plot_kernel, plot_image, plot_curves, plot_filters,
                               tile_maps)
from dlcore.widgets import conv as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)  # one-line messages for bad input, and a seeded random generator
EX = chapter(8)       # this chapter's exercises, in order

# %% [markdown]
# ## 1. Why fully connected layers waste parameters on images
#
# A fully connected layer $h = a[\beta + \Omega x]$ gives every hidden unit its own weight to
# every input. For a $32 \times 32$ RGB image ($D_i = 3 \cdot 32 \cdot 32 = 3072$ inputs) and a
# hidden layer of the same size with 16 channels, that is a matrix $\Omega$ with tens of millions
# of entries. Worse, the weights that detect an edge in the top-left corner are unrelated to the
# weights that detect the same edge one pixel to the right: the network has to learn every
# pattern again at every position.
#
# A convolutional layer instead uses **one small kernel** of $K \times K$ weights per pair of
# channels, shared by all positions, and each output only looks at a $K \times K$ neighbourhood.

# %%
# NBVAL_CHECK_OUTPUT
C_i, C_o, H, K = 3, 16, 32, 3
dense = (C_i * H * H) * (C_o * H * H) + C_o * H * H   # Omega (D_o, D_i) plus beta (D_o,)
convolutional = conv.num_params_conv(C_i, C_o, K)      # C_o C_i K^2 + C_o
print(f"fully connected 3x32x32 -> 16x32x32: {dense:,} parameters")
print(f"3x3 convolution 3x32x32 -> 16x32x32: {convolutional:,} parameters")
print(f"ratio: {dense / convolutional:,.0f}")
assert 10e6 < dense < 100e6  # "tens of millions"

# %% [markdown]
# ### Invariance and equivariance
#
# Let $t[x]$ shift an input by $t$ positions. A function $f$ is
#
# * **invariant** to the shift if $f[t[x]] = f[x]$: the output does not change (a class label
#   should not change when the digit moves);
# * **equivariant** to the shift if $f[t[x]] = t[f[x]]$: the output moves with the input (a map
#   of where the edges are should move when the image moves).
#
# A convolution applies the same weights at every position, so shifting the input shifts its
# output: it is equivariant. Taking the **maximum over all positions** (global max pooling)
# throws the position away, so pooling followed by a dense head is invariant. A fully connected
# layer is neither. The figure uses three random kernels of size 5 (with ReLU), a global max
# pool, and a random dense head with four outputs $y_1..y_4$; on the right, a random fully
# connected layer acts on the same input.

# %%
W.equivariance.show()

# %% [markdown]
# **What to notice**
# * In the second panel the red line, the convolution of the shifted input $f[t[x]]$, lies
#   exactly on the black dots, the shifted convolution output $t[f[x]]$, for every shift: the
#   largest gap is 0.
# * The pooled outputs (third panel) do not move at all, while the fully connected outputs
#   change with every shift. Such a network would need to see the pattern at every position to
#   learn that they all mean the same thing.
# * The equality is exact here because the pattern stays away from the ends; near the ends
#   the zero padding (section 3) breaks it slightly.

# %%
eq = [W.compute_equivariance(t) for t in range(-12, 13)]      # every position of the slider
assert all(d["gap"] == 0 for d in eq)                          # f[t[x]] = t[f[x]] exactly
assert all(np.array_equal(d["cnn"], d["cnn0"]) for d in eq)    # pooled + dense: unchanged
assert all(np.abs(d["fc"] - d["fc0"]).max() > 0.1 for d in eq if d["t"] != 0)  # dense: changes

# %% [markdown]
# ## 2. 1-D convolution with a kernel of size 3
#
# A 1-D convolutional layer turns an input $x = [x_1, \dots, x_N]$ into an output $z$ in which
# each $z_i$ is a weighted sum of $x_i$ and its two neighbours, always with the same three
# weights $w = [w_1, w_2, w_3]^T$:
#
# $$z_i = w_1 x_{i-1} + w_2 x_i + w_3 x_{i+1}.$$
#
# At the ends $x_0$ and $x_{N+1}$ do not exist; **zero padding** treats them as 0. Here is the
# equation in `dlcore`, three slices of a padded copy:

# %%
show_source(conv.conv1d_k3)

# %% [markdown]
# Signal processing defines convolution with the kernel **flipped**,
# $(x * w)[i] = \sum_k w[k]\, x[i - k]$, so $w_1$ meets $x_{i+1}$ rather than $x_{i-1}$. Deep
# learning libraries (PyTorch's `conv1d`, and the notes' $z_i$) compute the unflipped sum, a
# *cross-correlation*, and still call it convolution. Since the weights are learned, nothing is
# lost: a network learns the flipped kernel instead. But when you copy a kernel from a
# textbook, you need to know which one it is.

# %%
# NBVAL_CHECK_OUTPUT
x = np.array([0.0, 1.0, 2.0, 4.0, 1.0, 0.0])
w = np.array([-1.0, 0.0, 1.0])          # w_1 = -1, w_3 = +1: "right neighbour minus left"
print("z (notes, cross-correlation):", conv.conv1d_k3(x, w))
print("same with conv1d, padding 1: ", conv.conv1d(x[None], w[None, None], padding=1)[0])
print("flipped convolution x * w:   ", conv.convolve_flipped(x, w))
print("np.convolve(x, w, 'same'):   ", np.convolve(x, w, mode="same"))

# %% [markdown]
# Move the three weights. The right panel shows which neighbour each weight multiplies; switch
# the operation to the flipped convolution and watch the bars swap ends.

# %%
W.kernel3.show()

# %% [markdown]
# **What to notice**
# * $w = [-1, 0, 1]$ is a slope detector: $z_i$ is large where $x$ rises and negative where it
#   falls, and zero on flat stretches. $w = [1/3, 1/3, 1/3]$ smooths; $w = [-1, 2, -1]$ responds
#   to kinks and to the spike at $i = 35$.
# * For a symmetric kernel ($w_1 = w_3$) the two operations agree; for $[-1, 0, 1]$ the flipped
#   convolution is the negative of the cross-correlation.
# * With **valid** padding the two end outputs, which would need $x_0$ or $x_{41}$, are dropped:
#   40 inputs give 38 outputs.
# * Each output depends on three neighbouring inputs only, and the same three weights serve all
#   40 positions: 3 parameters instead of the $40 \times 40$ of a dense layer.

# %%
assert W.compute_kernel3(-1, 0, 1, padding="valid")["z"].size == 38   # valid: 40 -> 38
assert np.argmin(W.example_signal()) == 35                            # the spike

# %% [markdown]
# ## 3. Padding, stride, kernel size and dilation
#
# Four numbers describe how the kernel moves over the input:
#
# * **kernel size** $K$: how many inputs one output combines (usually odd, so the kernel has a
#   centre);
# * **stride** $S$: how far the kernel moves between outputs ($S > 1$ skips positions and
#   shrinks the output);
# * **dilation** $D$: gaps between the kernel's taps. A dilated kernel reaches
#   $D(K-1) + 1$ inputs with still only $K$ weights;
# * **padding** $P$: zeros added at each end. *Valid* convolution uses $P = 0$ and shrinks the
#   output; zero padding with $P = D(K-1)/2$ keeps it at $N$ when $S = 1$.
#
# Output $i$ (counting from 0) of a layer with bias $\beta$ reads the inputs at
# $iS + kD - P$ for $k = 0, \dots, K-1$:
#
# $$h_i = \beta + \sum_{k=0}^{K-1} w_k\, x_{iS + kD - P}, \qquad
#   N_o = \left\lfloor \frac{N + 2P - D(K-1) - 1}{S} \right\rfloor + 1 .$$
#
# (The notes write these with the flipped sum $(y * w)[i] = \sum_k w[k]\, x[i - kD]$, where
# $y$ is a typo for $x$; we keep the unflipped sum of section 2, as PyTorch does, and put the
# stride and the padding into the index.)
#
# In `dlcore.conv.conv1d` the index `idx` is exactly $iS + kD$ (into the padded input) and the
# `einsum` is the sum over $k$ and over input channels $c$ (section 4):

# %%
show_source(conv.conv1d)

# %%
# NBVAL_CHECK_OUTPUT
for K_, S_, P_, D_ in [(3, 1, 0, 1), (3, 1, 1, 1), (5, 2, 2, 1), (3, 1, 2, 2), (3, 2, 0, 3)]:
    n_out = conv.conv_output_size(12, K_, S_, P_, D_)
    check = conv.conv1d(np.ones((1, 12)), np.ones((1, 1, K_)), stride=S_, padding=P_,
                        dilation=D_).shape[-1]
    print(f"N=12, K={K_}, S={S_}, P={P_}, D={D_}: N_o = {n_out} (conv1d gives {check})")

# %% [markdown]
# The figure draws the 12 inputs (blue), the padding zeros (white), the outputs (red) and the
# inputs each output reads; the orange lines are the taps of the first output.

# %%
W.geometry.show()

# %% [markdown]
# **What to notice**
# * With $K = 3$, $S = 1$, $P = 0$ you lose one output at each end (10 outputs); $P = 1$
#   restores 12. Each extra unit of padding adds two outputs, one per end.
# * Stride $S = 2$ roughly halves the number of outputs: the floor in the formula drops the last
#   position when the kernel would run off the end.
# * Dilation spreads the three taps out; with $K = 3, D = 4$ one output spans 9 inputs. If the
#   dilated kernel is longer than the padded input, there are no outputs at all (the figure says
#   so instead of failing).
# * With $K = 1$ the dilation has nothing to spread out: the figure says so.

# %%
assert [conv.conv_output_size(12, 3, 1, p_) for p_ in range(5)] == [10, 12, 14, 16, 18]
assert conv.conv_output_size(12, 3, 2, 1) == 6                      # stride 2: half of 12
assert conv.conv_output_size(12, 3, 2, 0) == 5                      # the floor drops one
assert 4 * (3 - 1) + 1 == 9 and conv.conv_output_size(12, 7, 1, 0, 4) == 0

# %% [markdown]
# ### Convolution is a banded matrix
#
# Every output $h_i$ is a weighted sum of inputs, so (bias aside) a convolution is a linear map
# $h = M x$, like a fully connected layer. Its matrix $M$ has $N_o$ rows and $N$ columns, and
# row $i$ holds $w_k$ in column $iS + kD - P$ and zeros everywhere else (a tap that lands on
# the padding has no column: the zero it reads contributes nothing). `conv1d_as_matrix` builds
# it with the same tap indices `conv1d` uses:

# %%
show_source(conv.conv1d_as_matrix)

# %%
# NBVAL_CHECK_OUTPUT
w3 = np.array([1.0, 2.0, 3.0])
M = conv.conv1d_as_matrix(w3, 6, padding=1)              # K = 3, P = 1: (6, 6)
print(M)
x6 = rng.normal(size=6)
print("M @ x equals conv1d(x):", np.allclose(M @ x6, conv.conv1d(x6[None], w3[None, None], padding=1)[0]))

# %% [markdown]
# Move the sliders to see the matrix for other settings. The kernel is $w = [1, 2, \dots, K]$,
# so each colour is one weight: a colour repeated along a diagonal is one shared parameter.
# Pale grey rows do not exist for this setting ($N = 12$ inputs).

# %%
W.banded_matrix.show()

# %% [markdown]
# **What to notice**
# * The matrix is **sparse**: each row has at most $K$ nonzero entries, all in a band along the
#   diagonal (24% of the entries here; for $N = 100$, $K = 3$ it is 3%). A fully connected
#   layer of the same shape would fill every cell with its own parameter.
# * Its rows **share weights**: each row is the row above moved $S$ columns to the right, so
#   the whole matrix holds only $K$ different numbers (the equivariance of section 1 is this
#   property).
# * Stride $S = 2$ keeps every second row of the $S = 1$ matrix; padding adds rows at the top
#   and bottom whose band is cut off at the border; dilation leaves $D - 1$ zero columns
#   between neighbouring taps.

# %%
# NBVAL_CHECK_OUTPUT
def fraction_nonzero(M):
    return np.count_nonzero(M) / M.size


M1 = conv.conv1d_as_matrix(w3, 12, padding=1)                    # the figure's default
M100 = conv.conv1d_as_matrix(w3, 100, padding=1)
print(f"nonzero: {fraction_nonzero(M1):.0%} (N = 12), {fraction_nonzero(M100):.0%} (N = 100)")
assert round(100 * fraction_nonzero(M1)) == 24 and round(100 * fraction_nonzero(M100)) == 3
assert all((np.count_nonzero(row) <= 3) for row in M100)              # at most K per row
assert np.array_equal(M100[1:, 1:], M100[:-1, :-1])                   # each row: the one above, moved
M2 = conv.conv1d_as_matrix(w3, 12, stride=2, padding=1)
assert np.array_equal(M2, M1[::2])                                    # stride 2: every 2nd row
Md = conv.conv1d_as_matrix(w3, 12, dilation=2)                        # taps two columns apart
assert np.array_equal(Md[0, :5], [1, 0, 2, 0, 3])
print("different values in M:", np.unique(M100[M100 != 0]).size)

# %% [markdown]
# ## 4. Channels
#
# One kernel detects one kind of pattern. A layer therefore runs **several kernels in
# parallel** on the same input; each produces its own output, a *feature map* or *channel*. The
# next layer then has several input channels, and each of its kernels spans *all* of them: with
# $C_i$ input channels, output channel $o$ is
#
# $$h_{o,i} = a\Big[\beta_o + \sum_{c=1}^{C_i} \sum_{k=0}^{K-1}
#   \omega_{o,c,k}\, x_{c,\, iS + kD - P}\Big],$$
#
# so a layer holds $C_o \times C_i \times K$ weights (1-D) or $C_o \times C_i \times K \times K$
# weights (2-D), plus one bias per output channel. A convolution *layer* is the three steps:
# convolve, add the bias, apply the activation.

# %%
x_sig = W.example_signal()                                   # (40,) one input channel
omega = np.array([[[-1.0, 0.0, 1.0]],                        # (C_o, C_i, K) = (3, 1, 3)
                  [[1 / 3, 1 / 3, 1 / 3]],
                  [[-1.0, 2.0, -1.0]]])
beta = np.array([0.0, -0.3, 0.0])
h = np.maximum(conv.conv1d(x_sig[None], omega, beta, padding=1), 0)   # (3, 40) after ReLU

fig, axes = new_figure(1, 4, figsize=(11, 2.6))
plot_signal(axes[0], np.arange(40), x_sig, name="x", color=PALETTE["grey"])
label(axes[0], "position $i$", None, "input: 1 channel")
names = ["slope [-1, 0, 1]", "smooth [1/3, 1/3, 1/3]\nbias -0.3", "kink [-1, 2, -1]"]
for o, ax in enumerate(axes[1:]):
    plot_signal(ax, np.arange(40), h[o], name=None, color=COLORS[o])
    ax.set_ylim(-0.1, 2.1)
    label(ax, "position $i$", None, f"channel {o + 1}: {names[o]}")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
print("1-D layer, C_i = 1 -> C_o = 3, K = 3:", conv.num_params_conv(1, 3, 3, dims=1), "parameters")
print("2-D layer, RGB C_i = 3 -> C_o = 64, K = 3:", conv.num_params_conv(3, 64, 3), "parameters")
print("2-D layer, C_i = 64 -> C_o = 64, K = 3:", conv.num_params_conv(64, 64, 3), "parameters")

# %% [markdown]
# **What to notice**
# * The three feature maps light up at different places: slopes, smooth regions, kinks and the
#   spike. Stacked, they are a $(3, 40)$ array, the input of the next layer with $C_i = 3$.
# * The bias of channel 2 acts as a threshold: after the ReLU only values above 0.3 survive.
# * The parameter count does not depend on the length of the signal or the size of the image,
#   only on $C_i$, $C_o$ and $K$; but it grows with $C_i C_o$, so wide layers get expensive.

# %% [markdown]
# ## 5. Receptive fields
#
# The **receptive field** of a unit is the set of inputs that can change its value. One layer
# with kernel size $K$ sees $K$ inputs. Each further layer widens it by $(K_l - 1) D_l$ of *its
# own* steps, and after strides $S_1, \dots, S_{l-1}$ below it one step of layer $l$ is
# $\prod_{j<l} S_j$ inputs:
#
# $$r = 1 + \sum_{l=1}^{L} (K_l - 1)\, D_l \prod_{j<l} S_j .$$

# %%
show_source(conv.receptive_field)

# %%
# NBVAL_CHECK_OUTPUT
print("3 layers, K = 3:                  r =", conv.receptive_field([3, 3, 3]))
print("3 layers, K = 3, strides 2, 2, 1:  r =", conv.receptive_field([3, 3, 3], [2, 2, 1]))
print("3 layers, K = 3, dilations 1, 2, 4: r =", conv.receptive_field([3, 3, 3], None, [1, 2, 4]))

# %%
W.receptive_field.show()

# %% [markdown]
# **What to notice**
# * Without stride or dilation the field grows by $K - 1$ per layer: linearly with depth.
# * A stride of 2 doubles the step of every layer above it, so the field grows geometrically
#   with depth. Dilation $D$ multiplies each layer's reach by $D$; dilations that double from
#   layer to layer ($1, 2, 4$, printed above) also grow it geometrically, without shrinking the
#   output. This is how deep networks see a whole image with $3 \times 3$ kernels.
# * With dilation some inputs inside the field are skipped (holes between the red dots): the
#   receptive field is the span, not a count of the inputs used.

# %% [markdown]
# ## 6. 2-D convolution on a photo
#
# For an image the kernel is a $K \times K$ matrix of weights $w_{m,n}$ that slides both
# horizontally and vertically. With $K = 3$ and zero padding 1,
#
# $$h_{i,j} = a\Big[\beta + \sum_{m=1}^{3}\sum_{n=1}^{3} w_{m,n}\, x_{i+m-2,\, j+n-2}\Big].$$
#
# (The notes' $\alpha[\cdot]$ in this formula is the activation function, $a[\cdot]$ here.)
#
# In code, the only change from 1-D is a second index: `rows` and `cols` are the tap positions in
# each direction, and the `einsum` sums over channels and both kernel axes.

# %%
show_source(conv.conv2d)

# %% [markdown]
# The photo is scikit-learn's bundled `china.jpg`, in grey and halved to $213 \times 320$. The
# oriented edge kernel is $\cos\alpha\,$Sobel$_x$ + $\sin\alpha\,$Sobel$_y$; because convolution
# is linear, its output is the same combination of the two Sobel outputs. Red is positive, blue
# negative.

# %%
W.photo_kernels.show()

# %% [markdown]
# **What to notice**
# * At angle 0 the kernel responds to vertical edges (the pillars), at 90 degrees to horizontal
#   ones (the roofs); each edge is red on one side and blue on the other, the sign telling which
#   side is brighter.
# * Blur kernels have positive weights summing to 1 and keep the brightness; edge kernels sum
#   to 0, so flat regions give 0. The Laplacian finds edges of every direction.
# * The strong line along the border of the edge outputs is the zero padding: the photo is bright
#   and the padding is black, which the kernel sees as an edge.
# * Stride $S$ keeps every $S$-th output in each direction: $213 \times 320$ becomes
#   $54 \times 80$ at $S = 4$, a 16-fold cut in the work of the next layer.
# * The angle slider turns the oriented edge kernel only; with another kernel the figure says
#   that it has no effect.
# * For an RGB image each kernel would be $3 \times K \times K$: one $K \times K$ slice per colour,
#   summed.

# %%
small = W.compute_photo(W.PHOTO_KERNELS[0], 0.0, 4)["out"]          # stride 4
assert W.photo().shape == (213, 320) and small.shape == (54, 80)
assert 15 < (213 * 320) / (54 * 80) < 17                              # about 16 times less

# %% [markdown]
# ## 7. Down-sampling and up-sampling
#
# Networks that classify shrink the image as they go, so that later layers combine information
# from large regions; networks that output images (segmentation, super-resolution, generative
# models) must grow it back. Each method works on every channel separately, so the number of
# channels does not change.
#
# **Down-sampling** by $S$:
# * *sub-sampling / strided convolution*: keep every $S$-th position (the convolution with stride
#   $S$ does this while it filters);
# * *max pooling*: split the image into $S \times S$ blocks and keep each block's largest value;
# * *mean pooling*: keep each block's average.
#
# **Up-sampling** by $S$:
# * *nearest neighbour*: copy each pixel into an $S \times S$ block;
# * *max unpooling*: put each value back where the max pooling found its maximum, zeros
#   elsewhere;
# * *bilinear*: interpolate linearly between the nearest pixels in both directions;
# * *transposed convolution*: each input pixel adds a copy of the kernel, scaled by its value,
#   to the output; overlapping copies add up. Its weights are learned like any kernel.

# %%
show_source(conv.conv_transpose1d)

# %%
img = W.photo()[90:122, 40:72][None]                      # (1, 32, 32): a patch of the roofs
strided = conv.conv2d(img, np.ones((1, 1, 1, 1)), stride=2)  # (1, 16, 16): every 2nd pixel
maxed, where = conv.max_pool2d_with_indices(img, 2)       # (1, 16, 16) and argmax positions
meaned = conv.avg_pool2d(img, 2)                          # (1, 16, 16)
tent = np.outer([0.5, 1.0, 0.5], [0.5, 1.0, 0.5])[None, None]  # (C_i, C_o, 3, 3)
transposed = conv.conv_transpose2d(meaned, tent, stride=2)  # (1, 33, 33): (16 - 1) 2 + 3
up = {
    "nearest": conv.upsample_nearest(meaned, 2),
    "max unpooling": conv.max_unpool2d(maxed, where, 2),  # the max pool's values and places
    "bilinear": conv.upsample_bilinear(meaned, 2),
    "transposed conv\n(tent kernel, S = 2)": transposed[:, 1:, 1:],  # cropped to 32 x 32
}
fig, axes = new_figure(2, 5, figsize=(11, 4.8))
for ax, (name, im) in zip(axes[0], [("input 32 x 32", img), ("strided (S = 2)", strided),
                                     ("max pool 2", maxed), ("mean pool 2", meaned)]):
    plot_image(ax, im[0], name, vmin=0, vmax=1)
axes[0, 4].axis("off")
plot_image(axes[1, 0], meaned[0], "input 16 x 16\n(the mean pool)", vmin=0, vmax=1)
for ax, (name, im) in zip(axes[1, 1:], up.items()):
    plot_image(ax, im[0], name, vmin=0, vmax=1)
plt.show()

# %% [markdown]
# **What to notice**
# * Sub-sampling keeps arbitrary pixels and can miss thin lines; max pooling keeps the
#   brightest pixel of each block (bright details survive); mean pooling blurs.
# * Nearest up-sampling is blocky; bilinear is smooth; max unpooling is mostly zeros (it is
#   meant to be followed by convolutions that fill the gaps, as in decoders that remember where
#   the maxima were).
# * The transposed convolution with a tent kernel and stride 2 reproduces linear interpolation:
#   the copies of the kernel overlap and add up (the bottom and right edges are darker: they
#   receive only one copy). With learned weights it can do better than any fixed rule.

# %% [markdown]
# ### The $1 \times 1$ convolution
#
# A kernel of size $1 \times 1$ looks at one position only, but across all input channels:
#
# $$h_{o,i,j} = \beta_o + \sum_{c=1}^{C_i} \omega_{o,c}\, x_{c,i,j}.$$
#
# (The notes store these weights as $W \in \mathbb{R}^{1 \times 1 \times C_i \times C_o}$, channels
# last; we use PyTorch's order $(C_o, C_i, 1, 1)$ and put the channel first in $x$ too.)
#
# It is a fully connected layer from $C_i$ to $C_o$ channels applied at every pixel with the
# same weights: it changes the number of channels without touching the spatial resolution.
# Here it maps an RGB patch to two channels: brightness and "red minus blue".

# %%
# NBVAL_CHECK_OUTPUT
from sklearn.datasets import load_sample_image

rgb = load_sample_image("flower.jpg")[150:278:2, 200:328:2].astype(float) / 255  # (64, 64, 3)
x_rgb = rgb.transpose(2, 0, 1)                                 # (C_i, H, W) = (3, 64, 64)
omega_1x1 = np.array([[0.299, 0.587, 0.114],                   # (C_o, C_i) = (2, 3)
                      [1.0, 0.0, -1.0]])[:, :, None, None]     # (2, 3, 1, 1)
h_1x1 = conv.conv2d(x_rgb, omega_1x1)                          # (2, 64, 64)
print("input", x_rgb.shape, "-> output", h_1x1.shape, "with",
      conv.num_params_conv(3, 2, 1), "parameters")
same = np.einsum("oc,chw->ohw", omega_1x1[:, :, 0, 0], x_rgb)  # a matrix at every pixel
print("equal to a (2, 3) matrix applied at every pixel:", np.allclose(h_1x1, same))

# %%
fig, axes = new_figure(1, 3, figsize=(8, 2.8))
plot_image(axes[0], rgb, "input: RGB, $C_i = 3$")
plot_image(axes[1], h_1x1[0], "channel 1: brightness", vmin=0, vmax=1)
plot_image(axes[2], h_1x1[1], "channel 2: red - blue", cmap="RdBu_r", vmin=-1, vmax=1)
plt.show()

# %% [markdown]
# **What to notice:** the output has the same $64 \times 64$ size and each output pixel depends
# only on the same input pixel. In deep networks $1 \times 1$ convolutions cheaply shrink the
# channel count before an expensive $3 \times 3$ layer, or produce the per-pixel class scores of
# a segmentation network.

# %% [markdown]
# ## 8. Applications: a CNN against a fully connected net
#
# Does the built-in assumption pay off on real data? We train two classifiers with **about the
# same number of parameters** on MNIST-1D: 40-sample signals of the digits 0-9, drawn with
# random shifts, scaling, shear and noise, generated locally by the `mnist1d` package.
#
# * the **CNN**: three convolution layers with 15 channels and $K = 3$ (strides 1, 2, 2), then one
#   linear layer to the 10 classes: 2 950 parameters;
# * the **fully connected net**: two hidden layers of 34 units: 2 934 parameters.
#
# Both are trained with Adam on the cross-entropy loss, on the same 1 000 training signals, and
# tested on 500 others. Then we repeat both with **data augmentation**: every time a training
# signal is used it is shifted by a random $t \in \{-3, \dots, 3\}$ positions, so the net sees
# new, equally valid examples and is pushed to give the same answer for them.

# %%
from dlcore.data import mnist1d

data = mnist1d(num_samples=2500)  # 2000 train / 500 test signals, generated locally (no download)
N_TRAIN = 1000
fig, axes = new_figure(1, 5, figsize=(11, 1.9), sharey=True)
for ax, k in zip(axes, range(5)):
    plot_signal(ax, data["t"], data["x"][k], name=None, markersize=2)
    label(ax, "$t$", None, f"label {data['y'][k]}")
plt.show()

# %% [markdown]
# The models and the training loop are in `dlcore/conv_torch.py`; here are the CNN and the
# augmentation:

# %%
from dataclasses import replace

import torch
from tqdm.auto import tqdm
from dlcore import conv_torch

torch.set_num_threads(1)  # these nets are tiny: one thread is fastest, even on a busy machine
show_source(conv_torch.make_cnn)
show_source(conv_torch.random_shift)

# %%
settings = conv_torch.Settings(epochs=20, batch_size=100, lr=1e-2, seed=0)
MAX_SHIFT = 3                                              # augmentation: shifts of -3..3
train_set = conv_torch.as_tensors(data["x"][:N_TRAIN], data["y"][:N_TRAIN])  # (I, 1, 40), (I,)
test_set = conv_torch.as_tensors(data["x_test"], data["y_test"])
makers = {"CNN": lambda: conv_torch.make_cnn(15),
          "fully connected": lambda: conv_torch.make_mlp(34)}

histories, n_params = {}, {}
with tqdm(total=4 * settings.epochs, desc="training 4 nets") as bar:
    for name, make in makers.items():
        for shift in (0, MAX_SHIFT):
            torch.manual_seed(settings.seed)               # same initial weights with/without
            model = make()
            n_params[name] = conv_torch.count_params(model)
            run = replace(settings, max_shift=shift)           # same settings + augmentation
            key = name + (" + shifts" if shift else "")
            histories[key] = conv_torch.train(model, train_set, test_set, run, progress=bar)
print("parameters:", n_params)
for key, hist in histories.items():
    print(f"{key:26s} train accuracy {hist['train_acc'][-1]:.2f}   test accuracy "
          f"{hist['test_acc'][-1]:.2f}")

# %%
styles = {k: {"color": COLORS[0] if k.startswith("CNN") else COLORS[1],
              "linestyle": "--" if "shifts" in k else "-"} for k in histories}
fig, axes = new_figure(1, 2, figsize=(11, 3.2), sharey=True)
plot_curves(axes[0], histories, "train_acc", styles)
plot_curves(axes[1], histories, "test_acc", styles)
label(axes[0], "epoch", "accuracy", "training accuracy (1 000 signals)")
label(axes[1], "epoch", "", "test accuracy (500 unseen signals)")
axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
plt.show()

# %% [markdown]
# **What to notice** (the exact numbers vary a little between machines)
# * Both plain nets fit their training signals about equally well, but the CNN is far more
#   accurate on signals it has not seen: with the same parameter budget, weight sharing and
#   locality are a better use of parameters than a dense matrix. The fully connected net has to
#   learn each pattern at each position from few examples; the CNN learns it once.
# * Shift augmentation lowers the training accuracy (the task got harder) and raises the test
#   accuracy of both nets: the gap between training and test shrinks. It teaches the fully
#   connected net some of what the CNN's structure gives for free, but not all of it.
# * This is MNIST-1D's point: a small data set on which architectural choices show up clearly,
#   trained in seconds on a laptop CPU.

# %%
acc = {k: (h["train_acc"][-1], h["test_acc"][-1]) for k, h in histories.items()}   # (train, test)
assert abs(acc["CNN"][0] - acc["fully connected"][0]) < 0.1      # both fit about equally well
assert acc["CNN"][1] > acc["fully connected"][1] + 0.1           # the CNN generalises far better
for name in makers:
    (tr, te), (tr_s, te_s) = acc[name], acc[name + " + shifts"]
    assert tr_s < tr and te_s > te and tr_s - te_s < tr - te     # augmentation narrows the gap
assert acc["fully connected + shifts"][1] < acc["CNN"][1]        # not all of what the CNN gets

# %% [markdown]
# ### In two dimensions: a CNN on images of digits
#
# The same comparison on images. scikit-learn ships 1 797 handwritten digits as $8 \times 8$
# grey images (no download). We train on 500 of them and test on the other 1 297, with two
# nets of about the same size:
#
# * the **2-D CNN**: a $5 \times 5$ convolution with 8 channels, ReLU, $2 \times 2$ max pooling
#   ($8 \times 8 \to 4 \times 4$), a $3 \times 3$ convolution with 16 channels, ReLU, max
#   pooling ($4 \times 4 \to 2 \times 2$), then one linear layer from the $16 \cdot 2 \cdot 2 = 64$
#   features to the 10 classes;
# * the **fully connected net**: the 64 pixels as a vector, two hidden layers of 21 units.
#
# The counts, from the formulas of section 4 and from PyTorch:

# %%
from sklearn.datasets import load_digits

digits = load_digits()                                         # 1 797 images, 16 grey levels
images, labels = digits.images / 16.0, digits.target          # (1797, 8, 8) in [0, 1], (1797,)
order = np.random.default_rng(0).permutation(len(labels))     # a fixed random split
train_idx, test_idx = order[:500], order[500:]
digit_train = conv_torch.as_tensors(images[train_idx], labels[train_idx])  # (500, 1, 8, 8)
digit_test = conv_torch.as_tensors(images[test_idx], labels[test_idx])     # (1297, 1, 8, 8)
show_source(conv_torch.make_cnn2d)

# %%
# NBVAL_CHECK_OUTPUT
cnn_count = (conv.num_params_conv(1, 8, 5) + conv.num_params_conv(8, 16, 3)
             + conv.num_params_dense(64, 10))
mlp_count = (conv.num_params_dense(64, 21) + conv.num_params_dense(21, 21)
             + conv.num_params_dense(21, 10))
assert cnn_count == conv_torch.count_params(conv_torch.make_cnn2d())
assert mlp_count == conv_torch.count_params(conv_torch.make_mlp(21, n_in=64))
print(f"2-D CNN: {cnn_count:,} parameters; fully connected: {mlp_count:,} parameters")
print("train / test images:", len(train_idx), "/", len(test_idx))

# %%
digit_settings = conv_torch.Settings(epochs=15, batch_size=50, lr=1e-2, seed=0)
digit_makers = {"2-D CNN": conv_torch.make_cnn2d,
                "fully connected": lambda: conv_torch.make_mlp(21, n_in=64)}
digit_models, digit_hist = {}, {}
with tqdm(total=2 * digit_settings.epochs, desc="training 2 nets on digits") as bar:
    for name, make in digit_makers.items():
        torch.manual_seed(digit_settings.seed)
        digit_models[name] = make()
        digit_hist[name] = conv_torch.train(digit_models[name], digit_train, digit_test,
                                            digit_settings, progress=bar)
for name, hist in digit_hist.items():
    print(f"{name:16s} train accuracy {hist['train_acc'][-1]:.3f}   "
          f"test accuracy {hist['test_acc'][-1]:.3f}")

# %%
fig, axes = new_figure(1, 2, figsize=(10, 3.0), sharey=True)
plot_curves(axes[0], digit_hist, "train_acc")
plot_curves(axes[1], digit_hist, "test_acc")
label(axes[0], "epoch", "accuracy", "training accuracy (500 images)")
label(axes[1], "epoch", "", "test accuracy (1 297 unseen images)")
axes[1].set_ylim(0.5, 1.0)
axes[1].legend(loc="lower right")
plt.show()

# %% [markdown]
# **What to notice**
# * Both nets fit their 500 training images (training accuracy above 0.95), but on the
#   1 297 unseen images the CNN is more accurate (above 0.93, and higher than the fully
#   connected net), with about the same number of parameters. The gap is smaller than on
#   MNIST-1D: these digits are centred and scaled, so even a dense net does well on them.
# * Two thirds of the CNN's parameters are kernel weights (1 352 of 2 026), and each of them is
#   used at every position of its layer's input: the 200 weights of the first layer's
#   $5 \times 5$ kernels act at all 64 pixels. A first-layer weight of the dense net reads one pixel.

# %%
digit_acc = {k: (h["train_acc"][-1], h["test_acc"][-1]) for k, h in digit_hist.items()}
assert all(tr > 0.95 for tr, _ in digit_acc.values())                # both fit the training set
assert digit_acc["2-D CNN"][1] > 0.93                                 # the CNN on unseen images
assert digit_acc["2-D CNN"][1] > digit_acc["fully connected"][1]     # ... beats the dense net
digit_gap = digit_acc["2-D CNN"][1] - digit_acc["fully connected"][1]
assert digit_gap < acc["CNN"][1] - acc["fully connected"][1]           # smaller than on MNIST-1D
kernel_weights = 8 * 1 * 5 * 5 + 16 * 8 * 3 * 3                     # C_o C_i K^2, both layers
assert kernel_weights == 1352 and round(kernel_weights / cnn_count, 2) == 0.67

# %% [markdown]
# ### What the layers learn: hierarchical features
#
# The first layer's 8 kernels are small images themselves ($5 \times 5$ weights, red positive,
# blue negative, white 0), and each first-layer feature map is the digit filtered by one of
# them. The second layer combines all 8 maps, after pooling, into 16 coarser $4 \times 4$ maps.

# %%
cnn_digits = digit_models["2-D CNN"]
filters = cnn_digits[0].weight.detach().numpy()[:, 0]                # (C_o, K, K) = (8, 5, 5)
fig, axes = new_figure(1, 8, figsize=(11, 1.8))
plot_filters(axes, filters, [f"filter {o + 1}" for o in range(8)])
plt.show()

# %%
picks = [int(np.flatnonzero(labels[test_idx] == c)[0]) for c in (0, 4, 7)]  # a 0, a 4 and a 7
maps1, maps2 = conv_torch.activations(cnn_digits, digit_test[0][picks])  # after each ReLU
fig, axes = new_figure(3, 3, figsize=(8, 6.5), width_ratios=[1, 2.2, 1.2])
for r, i in enumerate(picks):
    plot_image(axes[r, 0], images[test_idx[i]], f"input (label {labels[test_idx[i]]})")
    plot_image(axes[r, 1], tile_maps(maps1[r], 4), "layer 1: 8 maps 8 x 8", cmap="magma")
    plot_image(axes[r, 2], tile_maps(maps2[r], 4), "layer 2: 16 maps 4 x 4", cmap="magma")
plt.show()

# %% [markdown]
# **What to notice**
# * Every first-layer filter has positive and negative weights: it responds to a contrast (a
#   stroke next to background, in some direction), not to plain brightness.
# * The first layer's maps still look like the digit: each shows where one filter's pattern
#   occurs, at full $8 \times 8$ resolution. The second layer's maps are coarser and no longer
#   look like the digit: each of their units sees a receptive field of 10 pixels across (section
#   5), wider than the whole image, and combines the first-layer patterns into parts of digits.
# * Many units are exactly 0 (black): the ReLU switches off the filters that find nothing.
#   Deeper nets continue this: edges, then strokes, then parts, then whole objects.

# %%
# NBVAL_CHECK_OUTPUT
assert all(f.min() < 0 < f.max() for f in filters)              # positive and negative weights
r2 = conv.receptive_field([5, 2, 3], [1, 2, 1])                  # conv 5, pool 2, conv 3
print("receptive field of a layer-2 unit:", r2, "pixels across")
assert r2 == 10 > 8
assert (maps1 == 0).mean() > 0.1 and (maps2 == 0).mean() > 0.1   # the ReLU's zeros

# %% [markdown]
# ### Beyond classification
#
# * **Image classification** ends with pooling and a dense head, which make the answer invariant
#   to where the object is.
# * **Object detection** must say *where* each object is: the network keeps a coarse spatial
#   grid of outputs (equivariant, not invariant), and each cell predicts whether an object is
#   there, its box and its class.
# * **Semantic segmentation** labels every pixel: it down-samples to see large context, then
#   up-samples (section 7) back to the input resolution, with a $1 \times 1$ convolution giving
#   the class scores of each pixel (chapter 09 meets the U-Net that does this).
# * **Data augmentation** in all three applies transformations the answer should not depend on
#   (shifts, flips, crops, colour changes); for detection and segmentation the boxes and masks
#   are transformed with the image.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1
# All four settings of section 3 in one layer.

# %%
EX.output_length.show()

# %%
answer_1 = None  # your answer: an integer
EX.output_length.check(answer_1)

# %%
EX.output_length.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.output_length)

# %% [markdown]
# ### Exercise 2
# The channels of section 4, counted.

# %%
EX.conv_params.show()

# %%
answer_2 = None  # your answer: an integer
EX.conv_params.check(answer_2)

# %%
EX.conv_params.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.conv_params)


# %% [markdown]
# ### Exercise 3
# Test your function on the figure of section 5 before you check it.

# %%
EX.receptive_field.show()


# %%
def rf(kernel_sizes, strides, dilations):
    return None  # your code here


EX.receptive_field.check(rf)

# %%
EX.receptive_field.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.receptive_field)


# %% [markdown]
# ### Exercise 4
# Section 2's convolution, written with array slices.

# %%
EX.conv_by_hand.show()


# %%
def conv3(x, w):
    return None  # your code here


EX.conv_by_hand.check(conv3)

# %%
EX.conv_by_hand.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.conv_by_hand)

# %% [markdown]
# ### Exercise 5
# Section 3's four numbers, minus dilation, in a loop you write yourself.

# %%
EX.conv_loop.show()


# %%
def conv1d_loop(x, w, stride, padding):
    return None  # your code here


EX.conv_loop.check(conv1d_loop)

# %%
EX.conv_loop.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.conv_loop)

# %% [markdown]
# ### Exercise 6
# Section 6's kernels slide over an image: write that slide.

# %%
EX.conv2d_by_loop.show()


# %%
def conv2d_loop(x, w, padding):
    return None  # your code here


EX.conv2d_by_loop.check(conv2d_loop)

# %%
EX.conv2d_by_loop.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.conv2d_by_loop)

# %% [markdown]
# ### Exercise 7
# The down-sampling of section 7 (and of the digit CNN), by hand.

# %%
EX.max_pooling.show()


# %%
def max_pool(x, s):
    return None  # your code here


EX.max_pooling.check(max_pool)

# %%
EX.max_pooling.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.max_pooling)

# %% [markdown]
# ### Exercise 8
# The banded matrix of section 3: compare yours with the interactive figure there.

# %%
EX.banded_matrix.show()


# %%
def conv_matrix(w, n, stride, padding, dilation):
    return None  # your code here


EX.banded_matrix.check(conv_matrix)

# %%
EX.banded_matrix.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.banded_matrix)

# %% [markdown]
# ## Summary
#
# * A convolutional layer shares one kernel across positions and looks only at a neighbourhood:
#   $h_i = a\big[\beta + \sum_{k} w_k\, x_{iS + kD - P}\big]$; deep learning's "convolution" is
#   this cross-correlation, the flipped $\sum_k w[k]\,x[i-k]$ of signal processing is the same
#   up to reversing the kernel.
# * Output length $N_o = \lfloor (N + 2P - D(K-1) - 1)/S \rfloor + 1$; parameters
#   $C_o C_i K^2 + C_o$, independent of the image size; receptive field
#   $r = 1 + \sum_l (K_l - 1) D_l \prod_{j<l} S_j$.
# * Convolution is **equivariant** to shifts, $f[t[x]] = t[f[x]]$; pooling and a dense head make
#   the output **invariant**, $f[t[x]] = f[x]$.
# * Down-sampling (stride, max pool, mean pool) widens receptive fields cheaply; up-sampling
#   (nearest, max unpooling, bilinear, transposed convolution) restores resolution; a
#   $1 \times 1$ convolution mixes channels at each pixel.
# * Without its bias a convolution is a matrix, $h = M x$, with row $i$ holding $w_k$ at column
#   $iS + kD - P$: sparse (at most $K$ entries per row) and with every row sharing the same $K$
#   weights.
# * With the same number of parameters a small CNN generalises far better than a fully connected
#   net on MNIST-1D, and shift augmentation narrows the gap between training and test accuracy;
#   on $8 \times 8$ digits a 2-D CNN also beats a dense net of its size. Its first layer learns
#   small contrast filters; deeper layers see wider regions at coarser resolution.
#
# **Next:** chapter 09 stacks many such layers and meets the problems of depth: shattered
# gradients and degradation, solved by residual connections and batch normalisation.
