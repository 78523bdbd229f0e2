# %% [markdown]
# # 00 · Start here
#
# Welcome to an interactive course on the mathematics of deep learning. Each chapter is one
# notebook: it explains an idea in the notation of the lecture notes ($f[x, \phi]$, $\beta_k$,
# $\Omega_k$, $h_k$, ...), shows the few lines of code that *are* the equation, and lets you move
# sliders and watch the maths change. Everything runs on a laptop CPU, with no downloads.
#
# This page shows you how the notebooks work, checks that your set-up is complete, and lists
# the chapters.
#
# ## 1. Running a notebook
# * Run everything from the top: *Run > Run All Cells* (or restart first: *Kernel > Restart
#   Kernel and Run All Cells*). Each chapter takes well under a minute.
# * Every chapter starts with one set-up cell. It imports the course package `dlcore` and fixes
#   the random seed, so you see the same numbers as everyone else.
# * If you pass a function an array of the wrong shape, you get **one red line** saying which
#   argument was wrong and what was expected, not a page of traceback.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from dlcore import nets
from dlcore.widgets import start as W
from dlcore.exercises import chapter, show_solution
from dlcore.notebook import setup, show_source

rng = setup(seed=0)
EX = chapter(0)  # this page's exercises, by name (section 5)

# %% [markdown]
# ## 2. Checking your set-up
# The cell below lists the versions of the packages the course needs, without importing the
# heavy ones. Any line marked **missing** means the installation did not finish: see the
# README's *Troubleshooting* section.

# %%
import sys
from importlib.metadata import PackageNotFoundError, version

print(f"python       {sys.version.split()[0]}")
for package in ["dlcore", "numpy", "matplotlib", "ipywidgets", "jupyterlab", "torch",
                "scikit-learn", "mnist1d", "tqdm"]:
    try:
        print(f"{package:12s} {version(package)}")
    except PackageNotFoundError:
        print(f"{package:12s} missing")

# %% [markdown]
# ## 3. Interactive figures
# Below is one hidden unit, $h = a[\theta_0 + \theta_1 x]$. Drag the sliders (or click one and
# use the arrow keys) and pick another activation function. If you see the sliders and a plot
# that changes, widgets work. If you see *Error displaying widget* or only a static picture, the
# ipywidgets extension is not active in your JupyterLab: see the README's *Troubleshooting*.

# %%
W.demo.show()

# %% [markdown]
# **What to notice:** for the ReLU, the *joint* (where $h$ starts to rise, the red dot) sits at
# $x = -\theta_0 / \theta_1$, and a negative slope makes the unit active on the left. Chapter 01
# builds whole networks out of such units. When the joint or the curve leaves the plot, the text
# in the corner says where it went.
#
# Every figure is drawn by a plain function of the slider values, so the same code is tested
# without a browser. When a setting makes the numbers overflow, the figure says so in red
# instead of failing.
#
# ## 4. Reading the code
# Where the code *is* the lesson, a chapter shows the real `dlcore` function rather than a copy.
# The ReLU of the figure above lives in `dlcore.layers`, next to the other activations, and
# chapter 01's `nets.relu` is that same function:

# %%
show_source(nets.relu)

# %% [markdown]
# ## 5. Exercises
# A chapter's exercises live in `EX`, which the set-up cell makes by calling `chapter(0)`.
# `print(EX)` lists them by name, and you reach each one as `EX.<name>`, for example
# `EX.relu_values`:

# %%
print(EX)

# %% [markdown]
# Each exercise then comes as a heading and four cells:
# * the **task**, shown by `EX.<name>.show()`: its text lives in `dlcore`, next to the check
#   that tests it, so the two always agree;
# * your **answer**: it starts as `None` or a stub, and the same cell runs the **check**,
#   `EX.<name>.check(answer)`, which says *Correct*, *Not yet* with the reason, or
#   *Not attempted*;
# * a **hint**, `EX.<name>.hint()`;
# * a **solution**, `show_solution(EX.<name>)`, in a collapsed cell (click the three dots to
#   open it).
#
# Try the check before and after answering. A number asked for always comes with its precision.
#
# ### Warm-up 1

# %%
EX.relu_values.show()

# %%
answer_1 = None  # for example np.array([...])
EX.relu_values.check(answer_1)

# %% [markdown]
# A wrong answer is told *why*. Here is what the check says to a common slip, the absolute
# value:

# %%
EX.relu_values.check(np.abs([-2, -0.5, 0, 1.5, 3]))

# %%
EX.relu_values.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.relu_values)


# %% [markdown]
# ### Warm-up 2
# This time the answer is a function, and the check calls it.

# %%
EX.relu_function.show()


# %%
def relu(z):
    return None  # your code here


EX.relu_function.check(relu)


# %% [markdown]
# The check calls your function on fresh copies of a few test inputs, so changing an input in
# place (`z[z < 0] = 0`) cannot spoil a later check. It stops a function that runs longer than a
# few seconds (a loop that never ends) and explains a function that raises, returns `None` (a
# forgotten `return`) or prints instead of returning. A result that is nearly right, but not to
# the precision asked for, is told *close*, which is different from wrong. Here is a function
# that forgot its `return`:

# %%
def relu_forgot_return(z):
    np.maximum(z, 0)


EX.relu_function.check(relu_forgot_return)

# %%
EX.relu_function.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.relu_function)

# %% [markdown]
# ### Warm-up 3
# A first look at the notation of chapter 01.

# %%
EX.omega_shape.show()

# %%
answer_3 = None  # a tuple such as (2, 7)
EX.omega_shape.check(answer_3)

# %%
EX.omega_shape.hint()

# %% jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
show_solution(EX.omega_shape)

# %% [markdown]
# ## 6. The chapters
#
# | # | chapter | after it you can ... |
# |---|---|---|
# | 00 | [Start here](00_start_here.ipynb) (this page) | run a notebook, use the interactive figures and check your answers |
# | 01 | [Linear regions](01_linear_regions.ipynb) | compute shallow and deep ReLU nets by hand and count their linear regions |
# | 02 | [Loss functions](02_loss_functions.ipynb) | derive least squares and cross-entropy from maximum likelihood |
# | 03 | [Optimizers](03_optimizers.ipynb) | run and compare GD, SGD, momentum, Nesterov and Adam |
# | 04 | [Backpropagation](04_backprop.ipynb) | compute every gradient of a deep net by hand and check it |
# | 05 | [Initialization](05_initialization.ipynb) | keep activations and gradients stable with He initialisation |
# | 06 | [Bias, variance, double descent](06_bias_variance.ipynb) | split test error into noise, bias and variance |
# | 07 | [Regularization](07_regularization.ipynb) | use explicit and implicit regularisers and say why they work |
# | 08 | [Convolution](08_convolution.ipynb) | build convolutional layers and size their outputs and receptive fields |
# | 09 | [Residual networks](09_residuals.ipynb) | explain why residual connections and normalisation let nets go deep |
# | 10 | [Attention and transformers](10_attention.ipynb) | compute self-attention and train a tiny transformer |
# | 11 | [Variational autoencoders](11_vae.ipynb) | derive the ELBO and train a VAE |
#
# Start with [chapter 01](01_linear_regions.ipynb).
