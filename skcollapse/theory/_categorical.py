"""Categorical distributions refitted on their own tokens (Seddik et al.)."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from .._compat import validate_params
from .._params import Options
from ._docstrings import fill_doc_citing
from ._validation import check_probabilities, size

__all__ = ["categorical_collapse_bounds", "categorical_collision"]


@validate_params(
    {
        "n_generations": [size(0)],
        "probabilities": ["array-like"],
        "n_real": [size(1)],
        "n_synthetic": [size(1), None],
        "real_fraction": [Options(Real, {0.0, 1.0})],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("seddik2024")
def categorical_collision(
    n_generations, probabilities, *, n_real, n_synthetic=None, real_fraction=0.0
):
    """Expected collision probability ``E sum_i p_i(g)^2`` across generations.

    Statistical language model of Seddik et al. [1]_ (one context): each
    generation is the empirical distribution of its training tokens.

    Parameters
    ----------
    %(n_generations)s

    %(probabilities)s

    n_real : int >= 1
        Real tokens ``N`` drawn from ``p`` to fit generation 0.

    n_synthetic : int >= 1, default=None
        Synthetic tokens ``n`` drawn from generation ``g - 1`` to fit
        generation ``g`` (``synthetic_size`` of the meta-estimators). None
        means ``n_real``.

    real_fraction : {0.0, 1.0}, default=0.0
        Share of the ``N`` real tokens kept in the training set of every
        later generation, as in the meta-estimators. 0: fully synthetic loop
        (Theorem 1), generation ``g`` is the empirical distribution of its
        ``n`` synthetic tokens. 1: partially synthetic loop (Theorem 2),
        generation ``g`` is fitted on the same ``N`` real tokens plus ``n``
        fresh synthetic ones, ``p(g) = (N p(0) + n phat) / (N + n)``.

    Returns
    -------
    collision : ndarray of shape (n_generations + 1,)
        ``S_g = E sigma_g`` for generations ``0 .. n_generations``; 1 means a
        Dirac mass (total collapse).

    See Also
    --------
    categorical_collapse_bounds : Collapse probability and time bounds.

    Notes
    -----
    Seddik et al. number generations from 1, generation 1 being fitted on
    the real tokens, and call ``S_0 = sum_i p_i^2`` the collision of the true
    distribution; our generation ``g`` is their ``m = g + 1``.

    Fully synthetic (Theorem 1): ``S_g = 1 - (1 - 1/n)^(g+1) (1 - S_0)``
    when ``N = n``. A fit on ``m`` tokens drawn from a distribution of
    collision ``S`` has expected collision ``1/m + (1 - 1/m) S``, so with
    ``N`` real tokens, ``S_g = 1 - (1 - 1/N)(1 - 1/n)^g (1 - S_0)``.

    Partially synthetic (Theorem 2): with ``alpha = n/(N+n)``, ``beta =
    alpha ((1 + 1/N) alpha - 1/N) = alpha^2 (1 - 1/n)``,
    ``S_1 = 1/N + (1 - 1/N) S_0`` (their generation 1, our generation 0),
    ``S_inf = ((1 + 2 alpha)/N + (1 + alpha)(1 - 1/N) S_0) / (1 + (1 + 1/N)
    alpha)``: ``S_g = S_inf + beta^g (S_1 - S_inf)``. This is the plus-sign
    form of the theorem (the extracted text of the paper shows a minus
    sign); it follows from the recursion ``S_{g+1} = (1 - alpha^2) S_1 +
    alpha^2/n + beta S_g`` and matches simulation. The collision converges
    to ``S_inf < 1``: keeping the real data prevents total collapse.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.theory import categorical_collision
    >>> p = np.full(10, 0.1)
    >>> categorical_collision(99, p, n_real=100)[-1].item()
    0.6706
    >>> categorical_collision(2, p, n_real=10, n_synthetic=1000, real_fraction=1.0)
    array([0.19 , 0.1908, 0.1916])
    """
    p = check_probabilities(probabilities, "categorical_collision")
    big_n = n_real
    n = n_real if n_synthetic is None else n_synthetic
    s0 = float(np.sum(p**2))
    g = np.arange(n_generations + 1)
    if real_fraction == 0:
        return 1 - (1 - 1 / big_n) * (1 - 1 / n) ** g * (1 - s0)
    alpha = n / (big_n + n)
    beta = alpha * ((1 + 1 / big_n) * alpha - 1 / big_n)
    s1 = 1 / big_n + (1 - 1 / big_n) * s0
    s_inf = ((1 + 2 * alpha) / big_n + (1 + alpha) * (1 - 1 / big_n) * s0) / (
        1 + (1 + 1 / big_n) * alpha
    )
    return s_inf + beta**g * (s1 - s_inf)


@validate_params(
    {
        "n_generations": [size(0)],
        "probabilities": ["array-like"],
        "n_real": [size(1)],
        "n_synthetic": [size(1), None],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc_citing("seddik2024")
def categorical_collapse_bounds(
    n_generations, probabilities, *, n_real, n_synthetic=None
):
    """Bounds on the probability and time of total collapse (fully synthetic).

    Theorem 1 and Proposition 1 of Seddik et al. [1]_: every generation is
    the empirical distribution of ``n`` tokens drawn from the previous one
    (generation 0: ``n`` real tokens from the true distribution); the chain
    is absorbed in a Dirac mass.

    Parameters
    ----------
    %(n_generations)s

    %(probabilities)s

    n_real : int >= 1
        Real tokens ``n`` of generation 0.

    n_synthetic : int >= 1, default=None
        Synthetic tokens per later generation. The bounds hold for ``n``
        tokens in every generation: None or ``n_real``.

    Returns
    -------
    bounds : dict of ndarrays
        - ``"generation"``: ``0 .. n_generations``.
        - ``"collapse_probability_lower"``, ``"collapse_probability_upper"``:
          bounds on ``rho_g = P(generation g is a Dirac mass)``, shape
          ``(n_generations + 1,)``.
        - ``"absorption_time_lower"``, ``"absorption_time_upper"``: 0-d
          arrays bounding the expected first collapsed generation
          ``E[tau]`` (in our indexing: 0 if generation 0 is already a Dirac
          mass).
        - ``"fixation_probability"``: probability that the final Dirac mass
          sits on each category, equal to ``p`` (Proposition 1).

    See Also
    --------
    categorical_collision : Expected collision probability.

    Notes
    -----
    With ``S_0 = sum p_i^2`` and ``s`` the support size of ``p``, and our
    generation ``g`` being their ``m = g + 1``:

    ``1 - n (1 - S_0)(1 - 1/n)^(g+1) <= rho_g <= 1 - (1 - S_0)(1 -
    1/n)^(g+1) / (1 - 1/s)`` (the lower bound is clipped at 0), and

    ``(1 - S_0)(n - 1)/(1 - 1/s) <= E[tau] <= (1 - S_0) n (n - 1)``.

    Seddik et al. state ``1 + ...`` for both time bounds because they count
    the real fit as generation 1 (``tau = T - 1``). The proofs use ``1 -
    sigma <= 1 - 1/s`` for any distribution on ``s`` categories and ``1 -
    sigma >= 1/n`` for any non-Dirac empirical distribution of ``n >= 2``
    tokens. The chain is a martingale (``E p(g) = p``), hence Proposition 1.
    For ``p_i ∝ i^-1.2`` on 20 categories and ``n = 20``, simulation gives
    ``E[tau] = 33.5 +- 0.15`` (34.5 in the paper's count), between the
    bounds 16.6 and 316.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse.theory import categorical_collapse_bounds
    >>> bounds = categorical_collapse_bounds(100, [0.5, 0.5], n_real=10)
    >>> bounds["collapse_probability_lower"][[0, 100]]
    array([0.    , 0.9999])
    >>> float(bounds["absorption_time_lower"]), float(bounds["absorption_time_upper"])
    (9.0, 45.0)
    """
    p = check_probabilities(probabilities, "categorical_collapse_bounds")
    if n_synthetic is not None and n_synthetic != n_real:
        raise ValueError(
            "n_synthetic must be None or equal to n_real: the bounds of Seddik "
            "et al. hold for the same number of tokens in every generation, "
            f"got n_synthetic={n_synthetic}, n_real={n_real}."
        )
    n = n_real
    s0 = float(np.sum(p**2))
    support = int(np.count_nonzero(p))
    g = np.arange(n_generations + 1)
    survival = (1 - s0) * (1 - 1 / n) ** (g + 1)
    lower = np.clip(1 - n * survival, 0.0, 1.0)
    if support == 1:
        upper = np.ones_like(lower)
        time_lower = 0.0
    else:
        upper = np.clip(1 - survival / (1 - 1 / support), 0.0, 1.0)
        time_lower = (1 - s0) * (n - 1) / (1 - 1 / support)
    return {
        "generation": g,
        "collapse_probability_lower": lower,
        "collapse_probability_upper": upper,
        "absorption_time_lower": np.asarray(time_lower),
        "absorption_time_upper": np.asarray((1 - s0) * n * (n - 1)),
        "fixation_probability": p.copy(),
    }
