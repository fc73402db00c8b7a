"""Every size and real parameter of every theory function refuses NaN and
non-integers (item 5 of issue 10), through ``@validate_params`` for scalars
and :func:`skcollapse.theory._validation.check_array_values` for arrays."""

import numpy as np
import pytest

from skcollapse import theory

# a valid call of each function, and its parameters by kind
CALLS = {
    "linear_regression_error": (
        dict(n_generations=2, n_features=3, n_real=10),
        ["n_generations", "n_features", "n_real", "n_synthetic", "n_draws"],
        ["noise", "synthetic_noise", "ridge", "synthetic_ridge", "coef_norm"],
    ),
    "optimal_ridge_penalty": (
        dict(n_generations=2, n_features=3, n_real=10, method="approximate"),
        ["n_generations", "n_features", "n_real", "n_synthetic", "n_draws"],
        ["noise", "synthetic_noise", "coef_norm"],
    ),
    "strong_collapse_error": (
        dict(real_fraction=0.5, n_features=2, n_train=10),
        ["n_features", "n_train"],
        ["real_fraction", "noise", "shift"],
    ),
    "categorical_collision": (
        dict(n_generations=2, probabilities=[0.5, 0.5], n_real=10),
        ["n_generations", "n_real", "n_synthetic"],
        ["real_fraction"],
    ),
    "categorical_collapse_bounds": (
        dict(n_generations=2, probabilities=[0.5, 0.5], n_real=10),
        ["n_generations", "n_real", "n_synthetic"],
        [],
    ),
    "gaussian_refit": (
        dict(n_generations=2, n_real=10),
        ["n_generations", "n_real", "n_synthetic", "n_features", "ddof"],
        ["variance", "temperature"],
    ),
    "zipf_error": (
        dict(n_generations=2, n_train=100),
        ["n_generations", "n_train", "top_k", "n_categories"],
        ["exponent", "temperature", "real_fraction"],
    ),
}

BAD_SIZES = [10.5, np.nan, np.inf, True, "10", 10.0, [10.5], [np.nan], [np.inf]]
BAD_REALS = [np.nan, "0.5", True, [np.nan]]

SIZE_CASES = [
    (name, param, value)
    for name, (_, sizes, _) in CALLS.items()
    for param in sizes
    for value in BAD_SIZES
]
REAL_CASES = [
    (name, param, value)
    for name, (_, _, reals) in CALLS.items()
    for param in reals
    for value in BAD_REALS
]


@pytest.mark.parametrize("name", CALLS)
def test_the_valid_calls_are_valid(name):
    kwargs, _, _ = CALLS[name]
    assert np.all(np.isfinite(np.asarray(_first(getattr(theory, name)(**kwargs)))))


def _first(result):
    if isinstance(result, dict):
        return result["generation"]
    if isinstance(result, tuple):
        return result[0]
    return result


@pytest.mark.parametrize(
    "name, param, value",
    SIZE_CASES,
    ids=[f"{n}-{p}={v!r}" for n, p, v in SIZE_CASES],
)
def test_sizes_refuse_nan_infinity_booleans_and_non_integers(name, param, value):
    kwargs = dict(CALLS[name][0])
    kwargs[param] = value
    with pytest.raises(ValueError, match=f"'{param}' parameter of {name}"):
        getattr(theory, name)(**kwargs)


@pytest.mark.parametrize(
    "name, param, value",
    REAL_CASES,
    ids=[f"{n}-{p}={v!r}" for n, p, v in REAL_CASES],
)
def test_real_parameters_refuse_nan_strings_and_booleans(name, param, value):
    kwargs = dict(CALLS[name][0])
    kwargs[param] = value
    with pytest.raises(ValueError, match=f"'{param}' parameter of {name}"):
        getattr(theory, name)(**kwargs)
