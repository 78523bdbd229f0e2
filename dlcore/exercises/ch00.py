"""Start page warm-ups: how exercises and their checks work."""

import numpy as np

from . import FunctionExercise, Mistake, ValueExercise

_Z = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])

relu_values = ValueExercise(
    title="ReLU by hand",
    task=(r"Apply the ReLU $a[z] = \max(0, z)$ to $z = [-2, -0.5, 0, 1.5, 3]$ and answer with "
          r"an array such as `np.array([...])`: the check compares each entry to 2 decimals."),
    hint_text="Negative entries become 0; the others are unchanged.",
    value=np.array([0.0, 0.0, 0.0, 1.5, 3.0]),
    decimals=2,
    solution_code=(
        "import numpy as np\n"
        "z = np.array([-2, -0.5, 0, 1.5, 3])  # the five inputs\n"
        "answer = np.maximum(z, 0)  # entry by entry: negative -> 0, the rest unchanged\n"
    ),
    mistakes=(
        Mistake("absolute value", "|z| flips negative inputs; ReLU sets them to zero",
                np.abs(_Z)),
        Mistake("kept the negative part", "that is min(0, z); ReLU keeps the positive part",
                np.minimum(_Z, 0.0)),
    ),
    explanation="ReLU clips negative inputs to zero and passes positive ones unchanged.",
)


def relu(z):
    """ReLU, element by element, for an array of any shape."""
    z = np.asarray(z, dtype=float)  # accept lists too, and compute in floats
    return np.maximum(z, 0.0)  # max(0, z) entry by entry; Python's max(z, 0) cannot do this


relu_function = FunctionExercise(
    title="ReLU as a function",
    task=(r"Write `relu(z)` that applies $a[z] = \max(0, z)$ element by element to a NumPy array "
          r"`z` of any shape, and returns an array of the same shape."),
    hint_text="np.maximum(z, 0) compares element by element (Python's max(z, 0) does not).",
    reference=relu,
    probes=((_Z,), (np.array([[-1.0, 2.0], [0.5, -3.0]]),), (np.linspace(-1, 1, 7),)),
    mistakes=(
        Mistake("absolute value", "|z| flips negative inputs; ReLU sets them to zero",
                lambda z: np.abs(z)),
        Mistake("inverted condition", "z * (z < 0) keeps the negative part; use z > 0",
                lambda z: z * (z < 0)),
    ),
    explanation="np.maximum(z, 0) is the whole of ReLU.",
)

omega_shape = ValueExercise(
    title="The shape of a weight matrix",
    task=(r"A layer maps $D_0 = 3$ inputs to $D_1 = 5$ hidden units. What is the shape of its "
          r"weight matrix $\Omega_0$? Answer with a tuple such as `(2, 7)`."),
    hint_text="Omega_k has one row per unit it feeds and one column per unit it reads.",
    value=(5, 3),
    solution_code=(
        "D_0, D_1 = 3, 5  # the units the layer reads, and the units it feeds\n"
        "# Omega_0 @ x must turn a column of D_0 inputs into a column of D_1 values:\n"
        "answer = (D_1, D_0)  # one row per unit fed, one column per unit read\n"
    ),
    mistakes=(
        Mistake("transposed", "Omega_0 @ x must turn a column of D_0 inputs into a column of "
                "D_1 values: rows count the units fed, columns the units read", (3, 5)),
        Mistake("bias column included", "in the deep-net notation biases live in beta_0, "
                "not in an extra column of Omega_0", (5, 4)),
    ),
    explanation="Omega_k has shape (D_{k+1}, D_k).",
)

EXERCISES = (relu_values, relu_function, omega_shape)
