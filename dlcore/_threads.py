"""One BLAS thread for small linear algebra: on a busy 2-core machine, BLAS threads that wait
for each other make mid-sized matrix products 10-30x slower, not faster."""

from contextlib import nullcontext
from functools import lru_cache


@lru_cache(maxsize=1)
def _controller():
    try:
        from threadpoolctl import ThreadpoolController  # installed with scikit-learn
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


def one_blas_thread():
    """A context manager limiting BLAS to one thread (a no-op without threadpoolctl)."""
    ctl = _controller()
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else nullcontext()
