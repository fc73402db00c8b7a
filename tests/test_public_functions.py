"""Every public function validates its parameters, in the manner of scikit-learn.

The list below names every function of a public module's ``__all__``: a new
public function fails :func:`test_every_public_function_is_listed` until it is
listed here, and fails :func:`test_function_param_validation` until it is
decorated with ``@validate_params`` and refuses an invalid value of each of
its parameters with an ``InvalidParameterError`` naming the parameter
(scikit-learn's ``sklearn/tests/test_public_functions.py``). skcollapse adds
three rules: booleans are not numbers (a bool-refusing ``Interval`` or
``Options`` of :mod:`skcollapse.utils._param_validation`, and its
``RANDOM_STATE`` rather than scikit-learn's ``"random_state"``, which takes
``True`` as the seed 1), sizes are integers, and NaN is no number.
"""

import importlib
import inspect
import pkgutil
from numbers import Integral, Real

import numpy as np
import pytest
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    generate_invalid_param_val,
    generate_valid_param,
    make_constraint,
)

import skcollapse
from skcollapse.utils import _param_validation as strict

PUBLIC_FUNCTIONS = [
    "skcollapse.datasets.load_python_docs_text",
    "skcollapse.datasets.load_word_frequencies",
    "skcollapse.datasets.make_gaussian_mixture",
    "skcollapse.datasets.make_zipf",
    "skcollapse.experiments.demystified_regression",
    "skcollapse.experiments.feng_eigenvalues",
    "skcollapse.experiments.feng_verification",
    "skcollapse.experiments.gerstgrasser_accumulate",
    "skcollapse.experiments.golden_ratio_fresh_data",
    "skcollapse.experiments.mad_sampling_bias",
    "skcollapse.experiments.run",
    "skcollapse.experiments.seddik_fully_synthetic",
    "skcollapse.experiments.seddik_language_model",
    "skcollapse.experiments.seddik_partially_synthetic",
    "skcollapse.experiments.shumailov_gaussian",
    "skcollapse.experiments.strong_collapse",
    "skcollapse.experiments.tale_of_tails",
    "skcollapse.model_selection.collapse_curve",
    "skcollapse.plotting.save_figures",
    "skcollapse.regularization.geometric_schedule",
    "skcollapse.regularization.linear_schedule",
    "skcollapse.theory.categorical_collapse_bounds",
    "skcollapse.theory.categorical_collision",
    "skcollapse.theory.gaussian_refit",
    "skcollapse.theory.linear_fresh_data_error",
    "skcollapse.theory.linear_regression_error",
    "skcollapse.theory.optimal_real_weight",
    "skcollapse.theory.optimal_ridge_penalty",
    "skcollapse.theory.strong_collapse_error",
    "skcollapse.theory.zipf_error",
    "skcollapse.verification.effective_error",
]

# Public functions without @validate_params, and why.
NOT_VALIDATED = {
    name: (
        "a test utility on a fitted estimator, like scikit-learn's "
        "sklearn.utils.estimator_checks (not validated there either)"
    )
    for name in [
        "skcollapse.utils.estimator_checks.check_recursive_estimator",
        "skcollapse.utils.estimator_checks.check_reproducible",
        "skcollapse.utils.estimator_checks.check_trajectory",
    ]
}


def _public_functions():
    """Every function in the ``__all__`` of a public module of skcollapse."""
    modules = ["skcollapse"] + [
        info.name
        for info in pkgutil.walk_packages(skcollapse.__path__, "skcollapse.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    found = set()
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if inspect.isfunction(getattr(module, name)):
                found.add(f"{module_name}.{name}")
    return found


def _get_func_info(func_module):
    module_name, func_name = func_module.rsplit(".", 1)
    func = getattr(importlib.import_module(module_name), func_name)
    parameters = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    func_params = [p.name for p in parameters]
    required_params = [p.name for p in parameters if p.default is p.empty]
    return func, func_name, func_params, required_params


def test_every_public_function_is_listed():
    found = _public_functions()
    listed = set(PUBLIC_FUNCTIONS) | set(NOT_VALIDATED)
    assert found - listed == set(), "public functions missing from the list"
    assert listed - found == set(), "listed functions that are not public"
    assert not set(PUBLIC_FUNCTIONS) & set(NOT_VALIDATED)


def _is_numeric(constraint):
    return isinstance(constraint, (Interval, Options)) and constraint.type in (
        Integral,
        Real,
    )


def _extra_invalid_values(constraints):
    """Values skcollapse refuses beyond scikit-learn's generated ones.

    A boolean wherever numbers are accepted, NaN where reals are, 10.5 where
    only integers are: each must fail every constraint of the parameter.
    """
    numeric = [c for c in constraints if _is_numeric(c)]
    if not numeric or any(c in ("boolean", "verbose") for c in constraints):
        return []
    values = [True, np.bool_(False)]
    if any(c.type is Real for c in numeric):
        values.append(np.nan)
    else:
        values.append(10.5)
    return values


def _check_function_param_validation(
    func, func_name, func_params, required_params, parameter_constraints
):
    """scikit-learn's check of informative errors for every parameter, plus
    the values of :func:`_extra_invalid_values`."""
    valid_required_params = {
        name: generate_valid_param(make_constraint(parameter_constraints[name][0]))
        for name in required_params
    }
    assert set(parameter_constraints) == set(func_params), (
        f"Mismatch between the constraints and the parameters of {func_name}"
    )
    param_with_bad_type = type("BadType", (), {})()
    for param_name in func_params:
        constraints = parameter_constraints[param_name]
        assert constraints != "no_validation", f"{func_name}({param_name}=...)"
        assert "random_state" not in constraints, (
            f"{func_name}: '{param_name}' takes True as a seed; use RANDOM_STATE"
        )
        for constraint in constraints:
            if isinstance(constraint, (Interval, Options)) and _is_numeric(constraint):
                assert isinstance(constraint, (strict.Interval, strict.Options)), (
                    f"{func_name}: the constraint of '{param_name}' accepts "
                    "booleans; use skcollapse.utils._param_validation's"
                )
        types = {c.type for c in constraints if isinstance(c, Interval)}
        assert not {Integral, Real} <= types, (
            f"{func_name}: '{param_name}' mixes integer and real intervals"
        )
        match = rf"The '{param_name}' parameter of {func_name} must be .* Got .*"
        with pytest.raises(InvalidParameterError, match=match):
            func(**{**valid_required_params, param_name: param_with_bad_type})
        bad_values = []
        for constraint in map(make_constraint, constraints):
            try:
                bad_values.append(generate_invalid_param_val(constraint))
            except NotImplementedError:
                continue
        bad_values += _extra_invalid_values(constraints)
        for bad_value in bad_values:
            with pytest.raises(InvalidParameterError, match=match):
                func(**{**valid_required_params, param_name: bad_value})


@pytest.mark.parametrize("func_module", PUBLIC_FUNCTIONS)
def test_function_param_validation(func_module):
    func, func_name, func_params, required_params = _get_func_info(func_module)
    assert hasattr(func, "_skl_parameter_constraints"), (
        f"{func_module} is not decorated with @validate_params"
    )
    _check_function_param_validation(
        func,
        func_name,
        func_params,
        required_params,
        func._skl_parameter_constraints,
    )


@pytest.mark.parametrize(
    "func_module, params",
    [
        ("skcollapse.theory.linear_regression_error", dict(n_features=3, n_real=10)),
        ("skcollapse.theory.gaussian_refit", dict(n_real=10)),
        ("skcollapse.theory.zipf_error", dict(n_train=100)),
        (
            "skcollapse.theory.categorical_collision",
            dict(probabilities=[0.5, 0.5], n_real=10),
        ),
    ],
)
def test_sizes_are_integers(func_module, params):
    func, func_name, *_ = _get_func_info(func_module)
    func(2, **params)  # valid as given
    for name, value in params.items():
        if isinstance(value, Integral):
            with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
                func(2, **{**params, name: value + 0.5})
            with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
                func(2, **{**params, name: float(value)})
