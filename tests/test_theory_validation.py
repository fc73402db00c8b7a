"""Every size and real parameter of every theory function refuses NaN and
non-integers (item 5 of issue 10), through ``@validate_params`` for scalars
and :func:`skcollapse.theory._validation.check_array_values` for arrays; and
the messages of the refusals of :func:`~skcollapse.theory.gaussian_refit` and
:func:`~skcollapse.theory.zipf_error`."""

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

INVALID_CASES = [
    (name, param, value)
    for name, (_, sizes, reals) in CALLS.items()
    for params, bad_values in [(sizes, BAD_SIZES), (reals, BAD_REALS)]
    for param in params
    for value in bad_values
]


def _call(name, **params):
    """The valid call of ``CALLS[name]``, ``params`` replacing its arguments."""
    kwargs, _, _ = CALLS[name]
    return getattr(theory, name)(**{**kwargs, **params})


@pytest.mark.parametrize("name", CALLS)
def test_the_valid_calls_are_valid(name):
    assert np.all(np.isfinite(np.asarray(_first(_call(name)))))


def _first(result):
    if isinstance(result, dict):
        return result["generation"]
    if isinstance(result, tuple):
        return result[0]
    return result


@pytest.mark.parametrize(
    "name, param, value",
    INVALID_CASES,
    ids=[f"{n}-{p}={v!r}" for n, p, v in INVALID_CASES],
)
def test_sizes_and_reals_refuse_nan_infinity_booleans_and_non_numbers(
    name, param, value
):
    # sizes: also non-integers (10.5, 10.0) and infinity; reals: NaN, strings
    # and booleans
    with pytest.raises(ValueError, match=f"'{param}' parameter of {name}"):
        _call(name, **{param: value})


# conditions a declarative constraint cannot state, and the wording of the
# refusals: the parameters replaced in the valid call, the message
MESSAGES = {
    "gaussian_refit": [
        (dict(n_real=1), r"'n_real' parameter .* range \[2, inf\)"),
        (dict(n_synthetic=1), r"'n_synthetic' parameter .* range \[2, inf\)"),
        (dict(variance=0.0), r"'variance' parameter .* range \(0.0, inf\)"),
        (dict(temperature=np.nan), "'temperature' parameter"),
        (dict(ddof=2), r"'ddof' parameter .* among \{0, 1\}"),
        (dict(ddof=True), r"'ddof' parameter .* among \{0, 1\}"),
    ],
    "zipf_error": [
        (dict(n_train=0), r"'n_train' parameter .* range \[1, inf\)"),
        (dict(n_train=[10, 0]), r"'n_train' .* whole numbers in the range \[1, inf\)"),
        (dict(n_train=[10, 10.5]), r"'n_train' .* whole numbers"),
        (dict(n_train=1e4), r"'n_train' parameter .* must be an int"),
        (dict(exponent=1.0), "exponent must be a float > 1 for an infinite"),
        (dict(exponent=0.0, n_categories=10), r"'exponent' .* range \(0.0, inf\)"),
        (dict(temperature=3.0), "exponent / temperature must exceed 1"),
        (dict(real_fraction=1.5), r"'real_fraction' .* range \[0.0, 1.0\]"),
        (dict(top_k=True), r"'top_k' parameter .* must be an int"),
    ],
}


@pytest.mark.parametrize(
    "name, params, match",
    [(name, *case) for name, cases in MESSAGES.items() for case in cases],
)
def test_refusal_messages(name, params, match):
    with pytest.raises(ValueError, match=match):
        _call(name, **params)


@pytest.mark.parametrize(
    "value, kwargs, valid",
    [
        (0.0, dict(low=0), True),  # a closed lower end admits it
        (0.0, dict(low=0, low_open=True), False),  # an open one does not
        (1e-300, dict(low=0, low_open=True), True),
        (1.0, dict(low=0, high=1), True),
        (-0.5, dict(low=0, high=1), False),  # below low, although <= high
        (1.5, dict(low=0, high=1), False),
        ([3, 4.5], dict(low=1, integer=True), False),
        ([3, 4], dict(low=1, integer=True), True),
        (np.inf, dict(low=0), False),
    ],
)
def test_check_array_values_ends(value, kwargs, valid):
    from sklearn.utils._param_validation import InvalidParameterError

    from skcollapse.theory._validation import check_array_values

    if valid:
        out = check_array_values(value, "x", "f", **kwargs)
        assert out.dtype == float
        np.testing.assert_array_equal(out, value)
    else:
        with pytest.raises(InvalidParameterError, match="'x' parameter of f"):
            check_array_values(value, "x", "f", **kwargs)


def test_sizes_admit_their_minimum():
    # size(m) is closed at m: the smallest row count is valid, one less not
    from sklearn.utils._param_validation import InvalidParameterError

    assert theory.categorical_collision(0, [0.5, 0.5], n_real=1).shape == (1,)
    with pytest.raises(InvalidParameterError, match="n_real"):
        theory.categorical_collision(0, [0.5, 0.5], n_real=0)


# the whole text of the refusals the functions word themselves: the
# parameter, the function and the accepted range or condition, exactly
WHOLE_MESSAGES = [
    (
        "optimal_real_weight",
        dict(n_real=[5, 0]),
        "The 'n_real' parameter of optimal_real_weight must be a number or an "
        "array-like of floats in the range (0, inf). Got [5, 0] instead.",
    ),
    (
        "optimal_real_weight",
        dict(n_real=5, n_synthetic=[3, 0]),
        "The 'n_synthetic' parameter of optimal_real_weight must be a number or "
        "an array-like of floats in the range (0, inf). Got [3, 0] instead.",
    ),
    (
        "strong_collapse_error",
        dict(real_fraction=[0.5, 1.5], n_features=2, n_train=10),
        "The 'real_fraction' parameter of strong_collapse_error must be a number "
        "or an array-like of floats in the range [0, 1]. Got [0.5, 1.5] instead.",
    ),
    (
        "strong_collapse_error",
        dict(real_fraction=0.5, n_features=2, n_train=[10, 0]),
        "The 'n_train' parameter of strong_collapse_error must be a number or an "
        "array-like of whole numbers in the range [1, inf). Got [10, 0] instead.",
    ),
    (
        "zipf_error",
        dict(n_generations=2, n_train=[10, 0]),
        "The 'n_train' parameter of zipf_error must be a number or an array-like "
        "of whole numbers in the range [1, inf). Got [10, 0] instead.",
    ),
    (
        "zipf_error",
        dict(n_generations=2, n_train=10, exponent=1.0),
        "exponent must be a float > 1 for an infinite vocabulary "
        "(n_categories=None), got 1.0.",
    ),
    (
        # exponent / temperature exactly 1 is refused too
        "zipf_error",
        dict(n_generations=2, n_train=10, exponent=2.0, temperature=2.0),
        "exponent / temperature must exceed 1 for an infinite vocabulary "
        "without top_k, got 1.0.",
    ),
    (
        "categorical_collision",
        dict(n_generations=2, probabilities=[[0.5, 0.5]], n_real=10),
        "The 'probabilities' parameter of categorical_collision must be a "
        "non-empty 1-D array-like of numbers. Got an array of shape (1, 2) and "
        "dtype float64 instead.",
    ),
    (
        "categorical_collapse_bounds",
        dict(n_generations=2, probabilities=[0.5, 0.5, -0.0001], n_real=10),
        "The 'probabilities' parameter of categorical_collapse_bounds must be "
        "finite and non-negative. Got [0.5, 0.5, -0.0001] instead.",
    ),
    (
        "linear_regression_error",
        dict(n_generations=2, n_features=5, n_real=20, n_synthetic=9),
        "n_synthetic must be None or equal to n_real when design='fixed' (every "
        "generation relabels the same real inputs), got n_synthetic=9, n_real=20.",
    ),
    (
        "linear_regression_error",
        dict(
            n_generations=2,
            n_features=5,
            n_real=20,
            ridge=0.1,
            synthetic_ridge=0.2,
            design="fresh",
            data="accumulate",
        ),
        "synthetic_ridge must be None or equal to ridge unless design='fresh' and "
        "data='replace' (otherwise every generation is the same fit), got "
        "synthetic_ridge=0.2, ridge=0.1.",
    ),
    (
        # n_features + 1 rows: below the n_features + 2 the OLS risk needs
        "linear_regression_error",
        dict(
            n_generations=2, n_features=5, n_real=6, design="fixed", data="accumulate"
        ),
        "n_real must be >= n_features + 2 = 7 for the OLS risk (ridge=0) with "
        "design='fixed', data='accumulate'; got n_real=6. Use ridge > 0 or "
        "design='fresh' with data='replace' for the min-norm (over-parameterised) "
        "case.",
    ),
    (
        "linear_regression_error",
        dict(n_generations=2, n_features=5, n_real=20, n_synthetic=6, design="fresh"),
        "n_synthetic=6 is within 1 of n_features=5: the expected risk of the "
        "unregularised fit (ridge=0) is infinite. Use |n_synthetic - n_features| "
        ">= 2, a ridge penalty > 0 or synthetic_noise=0.",
    ),
    (
        "linear_regression_error",
        dict(n_generations=2, n_features=5, n_real=4, design="fresh"),
        "n_real=4 is within 1 of n_features=5: the expected risk of the "
        "unregularised fit (ridge=0) is infinite. Use |n_real - n_features| >= 2, "
        "a ridge penalty > 0 or noise=0.",
    ),
    (
        # a total synthetic weight of 4 * 0.25 = ddof = 1 is refused (0.26 not)
        "gaussian_refit",
        dict(n_generations=2, n_real=10, n_synthetic=4, synthetic_weight=0.25),
        "synthetic_weight=0.25 with n_synthetic=4 gives the synthetic rows a total "
        "weight at most ddof=1: GaussianDensity cannot fit that. Use a larger "
        "synthetic_weight.",
    ),
    (
        "gaussian_refit",
        dict(
            n_generations=2,
            n_real=10,
            real_sampling="fresh",
            data="accumulate",
            real_fraction=1.0,
        ),
        "gaussian_refit covers real_sampling='fresh' with data='replace' only; got "
        "data='accumulate'. Fresh real rows beside every synthetic batch so far are "
        "not derived.",
    ),
    (
        "gaussian_refit",
        dict(n_generations=2, n_real=10, real_fraction=0.3),
        "real_fraction=0.3 with real_sampling='fixed': gaussian_refit covers 0 (no "
        "real rows) and 1 (the n_real real rows in every training set) only.",
    ),
    (
        "gaussian_refit",
        dict(n_generations=2, n_real=10, real_sampling="fresh", real_fraction=0.0),
        "real_sampling='fresh' draws each generation's real part fresh, but "
        "real_fraction=0.0 keeps no real rows. Use a real_fraction above 0 (1 draws "
        "n_real fresh rows).",
    ),
    (
        "categorical_collapse_bounds",
        dict(n_generations=2, probabilities=[0.5, 0.5], n_real=10, n_synthetic=11),
        "n_synthetic must be None or equal to n_real: the bounds of Seddik et al. "
        "hold for the same number of tokens in every generation, got "
        "n_synthetic=11, n_real=10.",
    ),
]


@pytest.mark.parametrize(
    "name, params, message",
    WHOLE_MESSAGES,
    ids=[f"{name}-{'-'.join(params)}" for name, params, _ in WHOLE_MESSAGES],
)
def test_whole_refusal_messages(name, params, message):
    import re

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(theory, name)(**params)


@pytest.mark.parametrize(
    "name", ["categorical_collision", "categorical_collapse_bounds"]
)
def test_probabilities_must_sum_to_one_within_1e8_absolutely(name):
    # 1 + 5e-6 is within numpy's default relative tolerance of 1, not 1e-8
    with pytest.raises(ValueError, match=f"parameter of {name} must sum to 1"):
        getattr(theory, name)(2, [0.5, 0.500005], n_real=10)
    admitted = getattr(theory, name)(2, [0.5, 0.5 + 5e-9], n_real=10)
    assert np.all(np.isfinite(np.asarray(_first(admitted), dtype=float)))


def test_a_diverging_fresh_data_chain_reaches_infinity_without_warnings():
    import warnings

    # synthetic rows outweighing the fresh ones 25 to 1, sampled at 1000
    # times the fitted variance: the moments grow by about 800 a generation
    # and overflow; the chain reports inf, silently (no RuntimeWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moments = theory.gaussian_refit(
            3000,
            n_real=10,
            n_synthetic=5,
            temperature=1e3,
            real_fraction=0.3,
            real_sampling="fresh",
            synthetic_weight=50.0,
        )
    assert set(moments) == {"generation", "mean_error", "mean_shift", "total_variance"}
    np.testing.assert_array_equal(moments["generation"], np.arange(3001))
    for key in ("mean_error", "mean_shift", "total_variance"):
        assert np.isfinite(moments[key][:100]).all()
        assert np.isposinf(moments[key][-1000:]).all()


@pytest.mark.parametrize(
    "params",
    [{"data": "accumulate"}, {"data": "replace"}],
    ids=["accumulate", "replace"],
)
def test_a_diverging_refit_chain_reaches_infinity_without_warnings(params):
    import warnings

    # 5 synthetic rows drawn at 1000 times the fitted variance: the moments
    # grow geometrically and overflow; the chain reports inf, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moments = theory.gaussian_refit(
            3000, n_real=10, n_synthetic=5, temperature=1e3, **params
        )
    for key in ("mean_error", "mean_shift", "total_variance"):
        assert np.isfinite(moments[key][:100]).all()
        assert np.isposinf(moments[key][-100:]).all()


def test_a_total_synthetic_weight_just_above_ddof_is_admitted():
    moments = theory.gaussian_refit(2, n_real=10, n_synthetic=4, synthetic_weight=0.26)
    assert np.all(np.isfinite(moments["total_variance"]))


def test_ols_sizes_two_rows_from_the_features_are_admitted():
    # |n - d| = 2 is the nearest finite OLS risk: d / (n - d - 1) = 5 at n = 7
    error = theory.linear_regression_error(2, n_features=5, n_real=7)
    np.testing.assert_allclose(error[0], 5.0)
    fresh = theory.linear_regression_error(
        2, n_features=5, n_real=20, n_synthetic=7, design="fresh"
    )
    assert np.all(np.isfinite(fresh))
