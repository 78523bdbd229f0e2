"""dlcore: the small, tested package behind the interactive deep-learning course.

Maths modules (NumPy only): nets, losses, optim, backprop, init, generalization,
regularization, conv, residual, attention, vae, data, checks, exercises.
Plotting and widgets: dlcore.plots, dlcore.widgets. Notebook helpers: dlcore.notebook.
PyTorch lives only in the ``*_torch`` modules that train something real.
"""

__version__ = "0.1.0"
