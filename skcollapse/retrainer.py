"""Recursive retraining of a regressor or classifier on its own outputs."""

import numbers
from dataclasses import replace

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import ClassifierTags, RegressorTags, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _metrics
from ._base import BaseRecursiveRetrainer, sample_weight_key
from ._compat import (
    HasMethods,
    StrOptions,
    _fit_context,
    _num_samples,
    _raise_for_params,
    _safe_indexing,
    routing_enabled,
)
from ._docstrings import (
    Substitution,
    references,
    shared_attributes,
    shared_parameters,
)
from ._loop import copy_data, warn_at_caller
from ._params import Interval, nested_param_keys
from ._problem import Batch, InputError, Problem, Synthesis
from ._random import Stream, draw_seed, seed_estimator

__all__ = ["RecursiveRetrainer", "ZeroNoiseWarning"]


def _classifier_has(attr):
    """The ``available_if`` check of a classifier's method ``attr``.

    Available when the base is a classifier and has ``attr``: the fitted
    last generation if there is one, else the unfitted base.
    """

    def check(self):
        if not is_classifier(self.estimator):
            return False
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


@Substitution(
    **shared_parameters("supervised"),
    **shared_attributes(),
    references=references("gerstgrasser2024", "seddik2024", "shumailov2024"),
)
class RecursiveRetrainer(BaseRecursiveRetrainer):
    """Refit a regressor or classifier recursively on its own outputs.

    Generation 0 is a clone of ``estimator`` fitted on the real data. Each
    later generation is a fresh clone fitted on labels produced by the
    previous generation (regressors: predictions plus noise; classifiers:
    labels sampled from ``predict_proba``), mixed with real data according to
    the data regime. The collapse trajectory is stored in ``trajectory_``.

    Read more in the :ref:`User Guide <generation_loop>`.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn regressor or classifier (or a Pipeline ending in one);
        a density estimator, clusterer or transformer is refused (use
        :class:`RecursiveDensityRetrainer` for a density estimator). It is
        cloned for every generation; it is never fitted in place. Its tags
        that describe the data it accepts (sparse, NaN, one-dimensional or
        positive inputs, positive targets, ``no_validation``) are the
        wrapper's. A base that may write into its inputs (a parameter whose
        name starts with ``copy`` set to False, such as ``Ridge(copy_X=False)``
        or ``StandardScaler(copy=False)`` in a pipeline) receives a copy of
        the data in every call, so neither the caller's data nor the real rows
        reused by later generations change.

    %(n_generations)s

    %(data)s

    %(real_fraction)s

    %(real_sampling)s

    %(real_source)s

    %(accumulate_window)s

    %(synthetic_size)s

    synthetic_weight : float, default=1.0
        Sample weight of synthetic rows relative to real rows. When
        ``sample_weight`` is passed to ``fit``, a synthetic row whose input is a
        real row (``inputs="reuse"`` or ``"bootstrap"``) weighs
        ``synthetic_weight`` times that row's weight, and a row with sampled
        inputs ``synthetic_weight`` times the mean real weight. Values other
        than 1 require a base estimator whose ``fit`` accepts
        ``sample_weight``.

    temperature : float, default=1.0
        Sampling bias of the synthetic labels. Regressors: the noise variance
        is multiplied by ``temperature`` (for ``label_noise="predictive"``,
        the variance of the predictive distribution at an unchanged mean: the
        dispersion of a Tweedie family, so that a Poisson label becomes
        ``temperature`` times a Poisson count of mean
        ``prediction / temperature``). Classifiers: labels are drawn from
        probabilities proportional to ``p ** (1 / temperature)``, computed in
        log space, so that a temperature near 0 draws the most probable class
        (ties uniformly). Values below 1 narrow what the model emits.

    inputs : {"reuse", "bootstrap"}, estimator with ``sample``, or callable, \
            default="reuse"
        Where the synthetic rows' inputs come from. ``"reuse"``: the real
        training inputs in their order (the fixed-design setting of the
        theory), tiled when more rows are asked than there are real rows, a
        random subset without replacement when fewer. ``"bootstrap"``: real
        inputs drawn with replacement. An estimator with ``fit`` and
        ``sample`` (for example ``GaussianMixture``): fitted once on the real
        inputs, then sampled. A callable ``(n_samples, random_state) -> X``
        receives an integer seed.

    label_noise : {"auto", "residual", "bootstrap", "oof", "predictive", \
            "sample", "argmax"} or float, default="auto"
        How synthetic labels are drawn. Regressors:

        - ``"residual"`` adds Gaussian noise with the standard deviation (per
          output) of the generating model's own training residuals, the
          self-consuming case. A base that interpolates its training data
          (a deep tree, a 1-nearest-neighbour, a Gaussian process) has
          residuals 0, so this adds no noise: the first time a generation's
          residual RMS is at most ``1e-6`` of the standard deviation of the
          real labels (when these are not constant), a
          :class:`ZeroNoiseWarning` says so (once per fit).
        - ``"bootstrap"`` adds residuals resampled from those.
        - ``"oof"`` adds Gaussian noise with the standard deviation (per
          output) of out-of-fold residuals: ``cross_val_predict`` of the
          generation's model on its own training set over 5 shuffled folds
          (fewer for fewer rows), the honest estimate of the model's
          predictive noise, at the cost of 5 more fits per generation.
        - ``"predictive"`` draws each label from the model's own predictive
          distribution: Poisson for ``PoissonRegressor``,
          ``TweedieRegressor(power=1)`` and the ``"poisson"`` criterion or
          loss of trees, forests and ``HistGradientBoostingRegressor``; gamma
          for ``GammaRegressor``, ``TweedieRegressor(power=2)`` and
          ``HistGradientBoostingRegressor(loss="gamma")``;
          ``TweedieRegressor`` of power 0 (normal), ``1 < power < 2``
          (compound Poisson-gamma) and 3 (inverse Gaussian), other powers
          being refused. The dispersion of the families other than Poisson
          is the moment (Pearson) estimate on the generation's training set,
          ``sum(w (y - mu)**2 / mu**power) / sum(w) * n / (n - p)`` with
          ``p`` the fitted coefficients of a linear model (0 for trees).
          ``GaussianProcessRegressor``: ``sample_y`` (a joint draw of the
          latent function, with the noise of a ``WhiteKernel``) plus Gaussian
          noise of variance ``alpha`` (a scalar ``alpha`` is required);
          ``BayesianRidge`` and ``ARDRegression``: Gaussian with the standard
          deviation of ``predict(return_std=True)``, which includes their
          noise precision ``alpha_``. A ``Pipeline`` draws from its last
          step on the transformed inputs; a ``TransformedTargetRegressor``
          draws from its regressor in the transformed target space and
          applies its inverse transform. Any other base is refused. Draws
          that deviate from the predictions by at most ``1e-6`` of the real
          labels' standard deviation (a Gaussian process that believes its
          data noise-free) get the same :class:`ZeroNoiseWarning`.
        - a float adds Gaussian noise of that known standard deviation
          (``0.0``: deterministic predictions, as in distillation).
        - ``"auto"`` means ``"predictive"`` for a base whose targets must be
          positive (the ``positive_only`` target tag, or a Poisson, gamma or
          Tweedie predictive distribution of power >= 1, also at the end of
          a pipeline) and that has a predictive distribution, and
          ``"residual"`` otherwise.

        Classifiers: ``"sample"`` (what ``"auto"`` means for them) draws each
        label from ``predict_proba``; ``"argmax"`` takes ``predict``. A base
        whose ``predict_proba`` depends on its fitted state (a
        ``StackingClassifier`` with the default final estimator) is checked
        once generation 0 is fitted, as scikit-learn's meta-estimators do.

    %(correction)s

    verifier : None, estimator or callable, default=None
        Scores synthetic samples so that a selection rule can keep the best
        (Feng et al., 2024). An estimator is fitted on the real data at
        generation 0 (wrap a prefit one in ``sklearn.frozen.FrozenEstimator``):
        a classifier scores a synthetic row by the probability it gives the
        synthetic label, a regressor by minus its absolute disagreement with
        the synthetic label. A callable ``(X, y) -> scores`` or
        ``(X) -> scores`` is called on each generation's synthetic rows.
        Higher scores are better.

    %(keep_fraction)s

    %(threshold)s

    %(n_candidates)s

    %(regularization)s

    %(validation_fraction)s

    %(fine_tune)s

    %(store_estimators)s

    collapse_threshold : float in [0, 1], default=0.1
        ``collapse_generation_`` is the first generation whose
        ``prediction_std`` is at or below ``collapse_threshold`` times
        generation 0's (``0``: constant predictions exactly); generation 0
        itself when its ``prediction_std`` is already 0.

    %(stop_on_collapse)s

    %(metrics)s

    %(random_state)s

    %(verbose)s

    Attributes
    ----------
    %(estimator_)s

    %(estimators_)s

    trajectory_ : dict of ndarray of shape (`n_generations_` + 1,)
        One entry per generation, like ``cv_results_``:
        ``pandas.DataFrame(trajectory_)`` is the table. Keys:

        - ``"generation"``, ``"n_train"``, ``"n_real"``, ``"n_synthetic"``,
          ``"n_rejected"`` (synthetic samples the
          selection rule dropped; with ``n_candidates > 1`` the losing
          candidates of each input are not counted);
        - ``"score_real"``: R^2 (regressors) or accuracy (classifiers) on the
          real training data; ``"score_validation"`` on the held-out real data
          when ``validation_fraction`` is set;
        - ``"prediction_std"``: diversity of the predictions on the real
          inputs. Regressors: standard deviation across rows (mean over
          outputs). Classifiers: root of the summed variances of the predicted
          class probabilities (of one-hot predictions without
          ``predict_proba``); ``0`` once a single class is predicted;
        - ``"drift"``: root mean squared distance from generation 0's
          predictions (probability vectors for classifiers) on the real inputs;
        - ``"label_noise_scale"``: regressors, the noise standard deviation
          used to draw the generation's synthetic labels; classifiers, the
          share of synthetic labels that differ from the generating model's
          ``predict`` (NaN at generation 0);
        - classifiers: ``"n_classes_train"``, the classes left in the
          generation's training labels;
        - with inputs reused from real rows (``"reuse"``, ``"bootstrap"``):
          ``"synthetic_error"`` and ``"selected_error"``, the label error rate
          (classifiers) or mean squared error (regressors) of the synthetic
          labels against the real labels of their rows, before and after
          verification; with a verifier, ``"acceptance_rate"``;
        - ``"param_<name>"`` for scheduled hyper-parameters.

    %(n_generations_)s

    termination_condition_ : {"max_generations", "degenerate", "collapsed"}
        ``"degenerate"`` when collapse made the data impossible to fit: the
        loop stopped with a :class:`~skcollapse.CollapseWarning` and
        ``estimator_`` is the last generation that could be fitted.
        ``"collapsed"`` when ``stop_on_collapse`` ended the loop at
        ``collapse_generation_``.

    %(collapse_generation_)s

    %(sample_generation_)s

    classes_ : ndarray of shape (n_classes,)
        Classifiers only: the classes seen in the real data, fixed at
        generation 0. A class that vanishes later keeps its column in
        ``predict_proba`` with probability 0.

    %(n_features_in_)s

    %(feature_names_in_)s

    See Also
    --------
    RecursiveDensityRetrainer : The same loop for density estimators.
    sklearn.semi_supervised.SelfTrainingClassifier : Self-training on
        unlabeled data.

    Notes
    -----
    Every generation's random draws come from integer seeds derived from
    ``random_state``, one independent stream per generation and purpose: the
    same seed gives the same trajectory bit for bit, and a fit with fewer
    generations is a prefix of one with more.

    With ``inputs="reuse"``, ``label_noise`` a known ``sigma`` and ordinary
    least squares, the expected excess risk follows
    :func:`skcollapse.theory.linear_regression_error`: linear growth in the
    generation under ``"replace"``, a bounded sum under ``"accumulate"``.

    %(references)s

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from skcollapse import RecursiveRetrainer
    >>> X, y = load_diabetes(return_X_y=True)
    >>> est = RecursiveRetrainer(Ridge(alpha=0.1), n_generations=5, random_state=0)
    >>> est.fit(X, y).trajectory_["generation"]
    array([0, 1, 2, 3, 4, 5])
    >>> bool(est.trajectory_["score_real"][-1] < est.trajectory_["score_real"][0])
    True
    >>> est.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **BaseRecursiveRetrainer._parameter_constraints,
        "inputs": [
            StrOptions({"reuse", "bootstrap"}),
            HasMethods(["fit", "sample"]),
            callable,
        ],
        "label_noise": [
            StrOptions(
                {
                    "auto",
                    "residual",
                    "bootstrap",
                    "oof",
                    "predictive",
                    "sample",
                    "argmax",
                }
            ),
            Interval(numbers.Real, 0, None, closed="left"),
        ],
    }

    def __init__(
        self,
        estimator,
        *,
        n_generations=10,
        data="replace",
        real_fraction=None,
        real_sampling="fixed",
        real_source=None,
        accumulate_window=None,
        synthetic_size=1.0,
        synthetic_weight=1.0,
        temperature=1.0,
        inputs="reuse",
        label_noise="auto",
        correction=None,
        verifier=None,
        keep_fraction=None,
        threshold=None,
        n_candidates=1,
        regularization=None,
        validation_fraction=None,
        fine_tune=False,
        store_estimators=True,
        collapse_threshold=0.1,
        stop_on_collapse=False,
        metrics="default",
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_generations = n_generations
        self.data = data
        self.real_fraction = real_fraction
        self.real_sampling = real_sampling
        self.real_source = real_source
        self.accumulate_window = accumulate_window
        self.synthetic_size = synthetic_size
        self.synthetic_weight = synthetic_weight
        self.temperature = temperature
        self.inputs = inputs
        self.label_noise = label_noise
        self.correction = correction
        self.verifier = verifier
        self.keep_fraction = keep_fraction
        self.threshold = threshold
        self.n_candidates = n_candidates
        self.regularization = regularization
        self.validation_fraction = validation_fraction
        self.fine_tune = fine_tune
        self.store_estimators = store_estimators
        self.collapse_threshold = collapse_threshold
        self.stop_on_collapse = stop_on_collapse
        self.metrics = metrics
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit generation 0 on the real data, then refit recursively.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Real inputs. DataFrames are passed to the base estimator as they
            are (so a ``ColumnTransformer`` can select columns by name; at
            prediction the base then checks the column names itself, and
            may take them reordered). A base that takes 1-D inputs
            (``IsotonicRegression``) takes them here too.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real targets. Classifiers take one output: a 2-D ``y`` of
            several columns is refused (wrap the retrainer in
            ``MultiOutputClassifier`` for one loop per output).

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the real rows, passed to the base estimator's ``fit``
            (through metadata routing when it is enabled).

        **fit_params : dict
            Only with metadata routing enabled; any metadata other than
            ``sample_weight`` is refused, as per-row metadata cannot follow
            synthetic rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        label_noise = self._check_params()
        classifier = _check_supervised_base(self.estimator) == "classifier"
        X, y = self._validate_fit_data(X, y, classifier)
        sample_weight = self._route_sample_weight(
            X, sample_weight, fit_params, uniform_is_none=True
        )

        seeds = self._seed_table()
        (X, y, sample_weight), validation = self._split_validation(
            seeds, X, y, sample_weight
        )
        X_val, y_val = (None, None) if validation is None else validation[:2]
        if classifier:
            self.classes_ = np.unique(
                y if y_val is None else np.concatenate([y, y_val])
            )
        problem = _SupervisedProblem(
            self, X, y, sample_weight, X_val, y_val, label_noise, classifier, seeds
        )
        return self._run_loop(problem, seeds)

    # ------------------------------------------------------------------
    # fit helpers
    # ------------------------------------------------------------------
    def _available_metrics(self):
        names = ["score_real", "score_validation", "prediction_std", "drift"]
        if is_classifier(self.estimator):
            names.append("n_classes_train")
        return names, names

    def _check_own_params(self):
        """Check the base and ``label_noise``; return what ``label_noise`` means.

        The base must be a regressor or a classifier; ``fine_tune`` must be
        able to continue it; ``label_noise`` must fit the base (``"auto"``
        resolved, ``"predictive"`` only for a base with a predictive
        distribution, ``"sample"`` only for one with ``predict_proba``).
        """
        classifier = _check_supervised_base(self.estimator) == "classifier"
        if self.fine_tune:
            _check_fine_tunable(self.estimator)
        noise = self.label_noise
        if isinstance(noise, str):
            if noise == "auto":
                noise = "sample" if classifier else _auto_label_noise(self.estimator)
            allowed = _CLASSIFIER_NOISE if classifier else _REGRESSOR_NOISE
            if noise not in allowed:
                kind = "classifier" if classifier else "regressor"
                raise ValueError(
                    f"label_noise={self.label_noise!r} is not available for a "
                    f"{kind}; accepted values for a {kind}: "
                    f"{sorted(allowed | {'auto'})}"
                    + ("" if classifier else " or a float noise standard deviation")
                    + "."
                )
        elif classifier:
            raise ValueError(
                f"label_noise={noise!r}: a float noise level applies to regressors; "
                "for a classifier use 'sample' or 'argmax'."
            )
        if (
            classifier
            and noise == "sample"
            and not hasattr(self.estimator, "predict_proba")
            and not hasattr(type(self.estimator), "predict_proba")
        ):
            # A method that the class lacks altogether cannot appear once
            # fitted; one that the class makes conditional (a meta-estimator's
            # available_if) is checked on generation 0's fitted model.
            raise _no_predict_proba(self.estimator)
        if noise == "predictive":
            spec = _predictive_spec(self.estimator)
            if isinstance(spec, str):
                raise ValueError(
                    "label_noise='predictive' draws labels from the base "
                    "estimator's predictive distribution, but "
                    f"{type(self.estimator).__name__} has none that "
                    f"RecursiveRetrainer can sample: {spec}. Use "
                    "label_noise='oof' or 'residual' (Gaussian noise), or a base "
                    "with a predictive distribution (PoissonRegressor, "
                    "GammaRegressor, TweedieRegressor, GaussianProcessRegressor, "
                    "BayesianRidge, ARDRegression)."
                )
        return noise

    def _validate_fit_data(self, X, y, classifier):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        plain = (
            isinstance(X, np.ndarray)
            and X.ndim == 2
            and X.dtype.kind in "fiu"
            and 0 not in X.shape
        )
        if not plain and not hasattr(X, "iloc"):
            # Shape and container only: the base estimator validates values
            # (NaN, dtype) by its own rules. A non-empty 2-D real ndarray has
            # nothing to check here, which keeps the cost of a fit low. A base
            # that takes 1-D inputs (IsotonicRegression) or validates nothing
            # (DummyRegressor) gets them as it would alone.
            tags = _base_tags(self.estimator)
            free = tags is not None and tags.no_validation
            X = check_array(
                X,
                accept_sparse=["csr", "csc"],
                dtype=None,
                ensure_all_finite=False,
                ensure_min_samples=1,
                ensure_2d=not (
                    free or (tags is not None and tags.input_tags.one_d_array)
                ),
                allow_nd=free,
            )
        if X.ndim == 1 and hasattr(self, "n_features_in_"):
            del self.n_features_in_  # a 1-D X has no feature count (as for its base)
        validate_data(self, X, skip_check_array=True)
        if classifier:
            shape = np.asarray(y).shape
            if len(shape) == 2 and shape[1] > 1:
                raise ValueError(
                    f"{type(self).__name__} supports single-output "
                    f"classification only; y has shape {shape}. For "
                    "several outputs, wrap it: sklearn.multioutput."
                    "MultiOutputClassifier(RecursiveRetrainer(...)) runs one "
                    "loop per output."
                )
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        elif not (
            # what check_array returns unchanged, checked for less than it costs
            type(y) is np.ndarray
            and y.dtype.kind == "f"
            and y.ndim in (1, 2)
            and y.size > 0
            and np.isfinite(y).all()
        ):
            y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        check_consistent_length(X, y)
        n_samples = _num_samples(X)
        if n_samples < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to fit, got "
                f"n_samples={n_samples}."
            )
        return X, y

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _check_predict_input(self, X):
        """Check ``X`` as scikit-learn does, unless the base checks it itself.

        The feature names of a DataFrame are left to a base that records them
        (``feature_names_in_``, as a ``ColumnTransformer`` does, which selects
        columns by name and takes them in any order); a 1-D ``X`` to a base
        that takes 1-D inputs; anything to a base that validates nothing.
        """
        check_is_fitted(self)
        if hasattr(X, "iloc"):
            if hasattr(self, "feature_names_in_") and hasattr(
                self.estimator_, "feature_names_in_"
            ):
                return X
        else:
            tags = _base_tags(self.estimator)
            free = tags is not None and tags.no_validation
            one_d = tags is not None and tags.input_tags.one_d_array
            X = check_array(
                X,
                accept_sparse=True,
                dtype=None,
                ensure_all_finite=False,
                ensure_min_features=0,
                ensure_2d=not (free or one_d),
                allow_nd=free,
            )
            if X.ndim != 2:
                return X
        validate_data(self, X, reset=False, skip_check_array=True)
        return X

    def predict(self, X):
        """Predict with the last generation.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions of ``estimator_``.
        """
        X = self._check_predict_input(X)
        return self.estimator_.predict(_protected(self.estimator_, X))

    def staged_predict(self, X):
        """Predict with every generation in turn, generation 0 first.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Yields
        ------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions of each generation.
        """
        X = self._check_predict_input(X)
        for estimator in self._staged_estimators("staged_predict"):
            yield estimator.predict(_protected(estimator, X))

    @available_if(_classifier_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the last generation, in the order of ``classes_``.

        A class the last generation never saw has probability 0.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as ``classes_``.
        """
        X = self._check_predict_input(X)
        return _full_proba(
            self.estimator_, _protected(self.estimator_, X), self.classes_
        )

    @available_if(_classifier_has("predict_proba"))
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba` (``-inf`` for a vanished class).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered as ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_classifier_has("predict_proba"))
    def staged_predict_proba(self, X):
        """Class probabilities of every generation in turn, generation 0 first.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Yields
        ------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of each generation, columns ordered as ``classes_``.
        """
        X = self._check_predict_input(X)
        for estimator in self._staged_estimators("staged_predict_proba"):
            yield _full_proba(estimator, _protected(estimator, X), self.classes_)

    @available_if(_classifier_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the last generation.

        When a class vanished from the last generation, its column (multiclass)
        is ``-inf``; for a binary problem reduced to one class, the score is
        ``+inf`` or ``-inf`` towards the class that is left.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision scores, shaped as for the base estimator on all classes.
        """
        X = self._check_predict_input(X)
        return _full_decision(
            self.estimator_, _protected(self.estimator_, X), self.classes_
        )

    def score(self, X, y, **params):
        """Score of the last generation on ``(X, y)``.

        R^2 for regressors, accuracy for classifiers: the base estimator's own
        ``score``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Test inputs.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.

        **params : dict
            ``sample_weight`` (array-like of shape (n_samples,)), passed to the
            base estimator's ``score``; with metadata routing enabled, any
            metadata the base's ``score`` requests.

        Returns
        -------
        score : float
            Score of ``estimator_``.
        """
        X = self._check_predict_input(X)
        if routing_enabled():
            score_params = process_routing(self, "score", **params).estimator.score
        else:
            sample_weight = params.pop("sample_weight", None)
            _raise_for_params(params, self, "score")
            score_params = (
                {} if sample_weight is None else {"sample_weight": sample_weight}
            )
        return self.estimator_.score(_protected(self.estimator_, X), y, **score_params)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes ``sample_weight`` to the base estimator's ``fit`` and
        ``score`` routes to its ``score``.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating routing information.
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="fit")
            .add(caller="score", callee="score"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        base = _base_tags(self.estimator)
        if base is None:
            return tags
        # Every tag that describes the data the wrapper accepts is the base's
        # (the loop passes the data on as it is), but pairwise: a precomputed
        # kernel stops being square once synthetic rows are added.
        tags.estimator_type = base.estimator_type
        tags.input_tags = replace(base.input_tags, pairwise=False)
        tags.no_validation = base.no_validation
        tags.non_deterministic = base.non_deterministic or tags.non_deterministic
        tags.target_tags.positive_only = base.target_tags.positive_only
        if base.estimator_type == "classifier":
            tags.classifier_tags = ClassifierTags(
                poor_score=True,
                multi_class=(
                    base.classifier_tags.multi_class
                    if base.classifier_tags is not None
                    else True
                ),
            )
            tags.regressor_tags = None
            # One output: a 2-D y is refused (see fit).
            tags.target_tags.multi_output = False
            tags.target_tags.single_output = True
        elif base.estimator_type == "regressor":
            tags.regressor_tags = RegressorTags(poor_score=True)
            tags.target_tags.multi_output = base.target_tags.multi_output
            tags.target_tags.single_output = base.target_tags.single_output
            tags.target_tags.one_d_labels = base.target_tags.one_d_labels
            tags.target_tags.two_d_labels = base.target_tags.two_d_labels
        return tags


# ----------------------------------------------------------------------
# The supervised problem plugged into the shared loop
# ----------------------------------------------------------------------
class _SupervisedProblem(Problem):
    """Regression or classification specifics of the generation loop.

    Synthetic rows are inputs (see ``inputs``) with labels drawn from the
    previous generation: predictions plus noise for regressors, labels
    sampled from ``predict_proba`` (or ``predict``) for classifiers.
    """

    diversity_key = "prediction_std"
    synthesis_keys = ("label_noise_scale",)

    def __init__(
        self, owner, X, y, sample_weight, X_val, y_val, label_noise, classifier, seeds
    ):
        self.owner = owner
        self.classification = classifier
        self.label_noise = label_noise
        self.classes = getattr(owner, "classes_", None)
        self.temperature = float(owner.temperature)
        n_real = _num_samples(X)
        self.real = Batch(
            X=X,
            y=y,
            weight=sample_weight,
            origin=np.zeros(n_real, dtype=int),
            y_reference=None,
        )
        self.X_val, self.y_val = X_val, y_val
        self.weighted = sample_weight is not None or owner.synthetic_weight != 1.0
        self._cache = {}
        if not classifier:
            flat = np.asarray(y, dtype=float).reshape(n_real, -1)
            with np.errstate(over="ignore", under="ignore"):  # r2 rescales then
                self._real_total = np.sum((flat - flat.mean(axis=0)) ** 2, axis=0)
            self._real_spread = _metrics.output_rms(flat - flat.mean(axis=0))
        self._residuals = None
        self._predictive = None
        self._first = None
        self.metrics = owner._check_metrics()
        self.seeds = seeds
        # The generation being fitted: 0, then the one synthesize drew for.
        self._generation = 0
        self._warned_no_noise = False
        # A base that may write into its inputs gets a copy in every call, so
        # that the caller's data and the real rows reused later stay intact.
        self._writes = _may_overwrite(owner.estimator)
        self._sampler = self._fit_input_sampler(seeds)

    # -- inputs -----------------------------------------------------------
    def _fit_input_sampler(self, seeds):
        inputs = self.owner.inputs
        if isinstance(inputs, str) or not hasattr(inputs, "fit"):
            return None
        sampler = seed_estimator(clone(inputs), seeds.rng(0, Stream.INPUT_SAMPLER))
        X = self.real.X
        X = X.to_numpy() if hasattr(X, "iloc") else X
        if X.ndim == 1:  # one feature, as a samplers needs it
            X = X.reshape(-1, 1)
        sampler.fit(_protected(sampler, X))
        return sampler

    def _draw_inputs(self, n, rng):
        """Synthetic inputs; also the real rows they come from (or None)."""
        inputs, n_real, X = self.owner.inputs, len(self.real), self.real.X
        if inputs == "reuse":
            if n == n_real:
                return X, None
            rows = (
                np.resize(np.arange(n_real), n)
                if n > n_real
                else np.sort(rng.choice(n_real, size=n, replace=False))
            )
        elif inputs == "bootstrap":
            rows = rng.integers(0, n_real, size=n)
        else:
            seed = draw_seed(rng)
            if self._sampler is not None:
                from ._sampling import draw_samples

                X_new = draw_samples(self._sampler, n, random_state=seed)
            else:
                X_new = inputs(n, seed)
            return self._check_sampled_inputs(X_new, n), False
        return _safe_indexing(X, rows), rows

    def _check_sampled_inputs(self, X_new, n):
        X_real = self.real.X
        if hasattr(X_real, "iloc") and not hasattr(X_new, "iloc"):
            import pandas as pd

            X_new = pd.DataFrame(np.asarray(X_new), columns=X_real.columns)
        shape = getattr(X_new, "shape", None)
        expected = (n, *X_real.shape[1:])
        if X_real.ndim == 1 and shape == (n, 1):  # a sampler's one column
            X_new, shape = np.asarray(X_new).reshape(n), (n,)
        if shape is None or tuple(shape) != expected:
            raise InputError(
                f"inputs must produce an array of shape {expected} for "
                f"{n} synthetic samples; got shape {shape}."
            )
        return X_new

    # -- cached predictions -----------------------------------------------
    def _output(self, model, X):
        """Predictions (regressors) or full probabilities (classifiers)."""
        key = (id(model), id(X))
        if key not in self._cache:
            if not self.classification:
                out = np.asarray(model.predict(self._guard(X)), dtype=float)
                out = out.reshape((out.shape[0],) + self.real.y.shape[1:])
            elif hasattr(model, "predict_proba"):
                out = _full_proba(model, self._guard(X), self.classes)
            else:
                out = _one_hot(self._predict(model, X), self.classes)
            self._cache[key] = out
        return self._cache[key]

    def _predict(self, model, X):
        """A classifier's predicted labels, computed once per model and input."""
        key = (id(model), id(X), "predict")
        if key not in self._cache:
            self._cache[key] = np.asarray(model.predict(self._guard(X)))
        return self._cache[key]

    def _guard(self, data):
        """``data`` for a call of the base: a copy if the base may write into it."""
        return copy_data(data) if self._writes else data

    # -- the protocol -----------------------------------------------------
    def fit(self, estimator, batch):
        self._cache = {}
        fit_params = self._fit_params(estimator, batch)
        estimator.fit(self._guard(batch.X), self._guard(batch.y), **fit_params)
        noise = self.label_noise
        if self.classification:
            if (
                self._generation == 0
                and noise == "sample"
                and not hasattr(estimator, "predict_proba")
            ):
                raise _no_predict_proba(estimator)
        elif noise in ("residual", "bootstrap"):
            self._residuals = residuals = batch.y - self._output(estimator, batch.X)
            # computed once here, used by _labels for the next generation
            self._residual_rms = _metrics.output_rms(residuals)
            # generation 0 only: later, residuals that shrink towards 0 are the
            # collapse itself, recorded in label_noise_scale
            if self._generation == 0 and not self._warned_no_noise:
                self._warn_if_no_noise(estimator, self._residual_rms)
        elif noise == "oof":
            self._residuals = batch.y - self._out_of_fold(estimator, batch, fit_params)
            self._residual_rms = _metrics.output_rms(self._residuals)
        elif noise == "predictive":
            self._predictive = _predictive_sampler(
                estimator, batch.X, batch.y, batch.weight, self._guard
            )
        return estimator

    def _fit_params(self, estimator, batch):
        if not self.weighted:
            return {}
        weight = np.ones(len(batch)) if batch.weight is None else batch.weight
        return _weight_param(estimator, weight)

    def _out_of_fold(self, estimator, batch, fit_params):
        """Out-of-fold predictions of a clone of ``estimator`` on ``batch``.

        K = 5 shuffled folds (K = the number of rows below 5), seeded by the
        generation's :attr:`~skcollapse._random.Stream.OOF_FOLDS` stream.
        """
        from sklearn.model_selection import KFold, cross_val_predict

        n = len(batch)
        if n < 2:
            raise ValueError(
                f"label_noise='oof' needs at least 2 training rows for its "
                f"out-of-fold residuals; generation {self._generation} has {n}."
            )
        folds = KFold(
            n_splits=min(5, n),
            shuffle=True,
            random_state=self.seeds.seed(self._generation, Stream.OOF_FOLDS),
        )
        prediction = cross_val_predict(
            clone(estimator),
            self._guard(batch.X),
            self._guard(batch.y),
            cv=folds,
            params=fit_params,
        )
        return np.asarray(prediction, dtype=float).reshape(batch.y.shape)

    def _warn_if_no_noise(self, estimator, noise):
        """Warn (once per fit) when the noise of the labels is negligible.

        ``noise`` is the RMS (per output) of the training residuals, or of
        the predictive draws' deviations from the predictions (untempered);
        negligible means at most ``1e-6`` of the standard deviation of the
        real labels, which must not be constant. Checked on generation 0's
        model only (its residuals on the real data, its first draws): in
        later generations a noise that shrinks towards 0 is the collapse the
        loop simulates, recorded in ``label_noise_scale``, not a mistake.
        """
        spread = self._real_spread
        if np.ndim(spread) == 0 and np.ndim(noise) == 0:  # one output: floats
            if not (spread > 0 and noise <= 1e-6 * spread):
                return  # constant labels: reproducing them exactly is right
        elif not np.any(spread > 0) or not np.all(noise <= 1e-6 * spread):
            return
        self._warned_no_noise = True
        name = type(estimator).__name__
        if self.label_noise == "predictive":
            what = (
                f"the predictive distribution of {name} has no spread at the "
                f"synthetic inputs of generation {self._generation} (RMS "
                f"deviation {float(np.max(noise)):.3g} from its predictions, for "
                f"real labels of standard deviation {float(np.max(spread)):.3g}; "
                "a Gaussian process without a WhiteKernel and with a tiny alpha "
                "believes its data noise-free)"
            )
        else:
            what = (
                f"{name} reproduces the training labels of generation "
                f"{self._generation} exactly (residual RMS "
                f"{float(np.max(noise)):.3g}, for real labels of standard "
                f"deviation {float(np.max(spread)):.3g})"
            )
        warn_at_caller(
            f"{what}, so label_noise={self.label_noise!r} adds no noise and "
            "later generations refit the same labels: the loop simulates no "
            "collapse. Use label_noise='oof' (out-of-fold residuals, the "
            "model's honest predictive noise) or a known noise level.",
            ZeroNoiseWarning,
        )

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        self._generation = generation
        X, rows = self._draw_inputs(n_samples, rng)
        if n_candidates > 1:
            repeat = np.repeat(np.arange(n_samples), n_candidates)
            X = _safe_indexing(X, repeat)
            if rows is None:
                rows = repeat
            elif rows is not False:
                rows = rows[repeat]
        reference = None
        if rows is not False:
            reference = self.real.y if rows is None else self.real.y[rows]
        y, noise_scale = self._labels(model, X, rng)
        n = len(y)
        batch = Batch(
            X=X,
            y=y,
            weight=self._synthetic_weights(rows, n),
            origin=np.full(n, generation, dtype=int),
            y_reference=reference,
        )
        return Synthesis(batch, {"label_noise_scale": noise_scale})

    def _synthetic_weights(self, rows, n):
        """A synthetic row inherits the weight of its real input row."""
        if not self.weighted:
            return None
        scale = float(self.owner.synthetic_weight)
        real = self.real.weight
        if real is None:
            return np.full(n, scale)
        if rows is False:  # sampled inputs: no real row behind them
            return np.full(n, scale * float(np.mean(real)))
        return scale * (real if rows is None else real[rows])

    def _labels(self, model, X, rng):
        """Synthetic labels of ``X`` and the ``label_noise_scale`` they had."""
        if self.classification:
            if self.label_noise == "argmax":
                return self._predict(model, X).copy(), 0.0
            proba = self._output(model, X)
            labels = self.classes[_sample_rows(proba, self.temperature, rng)]
            return labels, float(np.mean(labels != self._predict(model, X)))
        prediction = self._output(model, X)
        scale = np.sqrt(self.temperature)
        if isinstance(self.label_noise, numbers.Real):
            sigma = float(self.label_noise) * scale
            if sigma == 0:
                return prediction.copy(), sigma
            noise = sigma * rng.standard_normal(prediction.shape)
            return prediction + noise, sigma
        if self.label_noise == "predictive":
            y = np.asarray(self._predictive(X, rng, self.temperature), dtype=float)
            y = y.reshape(prediction.shape)
            noise_scale = _metrics.rms(y - prediction)
            if (
                self._generation == 1  # draws of generation 0's model
                and self.temperature >= 1e-12
                and not self._warned_no_noise
            ):
                # (below, no noise is what is asked for)
                deviation = _metrics.output_rms(y - prediction)
                self._warn_if_no_noise(model, deviation / np.sqrt(self.temperature))
            return y, noise_scale
        residuals = self._residuals
        sigma = self._residual_rms * scale
        noise_scale = float(sigma) if np.ndim(sigma) == 0 else _metrics.rms(sigma)
        if self.label_noise == "bootstrap":
            noise = residuals[
                rng.integers(0, residuals.shape[0], size=prediction.shape[0])
            ]
            return prediction + scale * noise, noise_scale
        return prediction + sigma * rng.standard_normal(prediction.shape), noise_scale

    def fit_verifier(self, verifier):
        needed = "predict_proba" if self.classification else "predict"
        kind = "classification" if self.classification else "regression"
        message = (
            f"A verifier for a {kind} loop must have {needed} (to score "
            f"synthetic labels); {type(verifier).__name__} has none. Pass an "
            "estimator with it or a callable (X, y) -> scores."
        )
        # As for the base: a method the class makes conditional on the fitted
        # state is checked once the verifier is fitted.
        if not hasattr(verifier, needed) and not hasattr(type(verifier), needed):
            raise ValueError(message)
        fitted = verifier.fit(
            _protected(verifier, self.real.X), _protected(verifier, self.real.y)
        )
        if not hasattr(fitted, needed):
            raise ValueError(message)
        return fitted

    def verifier_scores(self, verifier, batch):
        X = _protected(verifier, batch.X)
        if self.classification:
            proba = verifier.predict_proba(X)
            classes = list(verifier.classes_)
            scores = np.zeros(len(batch))
            for j, label in enumerate(classes):
                mask = batch.y == label
                scores[mask] = proba[mask, j]
            return scores
        prediction = np.asarray(verifier.predict(X), dtype=float)
        difference = np.abs(prediction.reshape(batch.y.shape) - batch.y)
        return -difference.reshape(len(batch), -1).mean(axis=1)

    def label_error(self, y, y_reference):
        return _metrics.label_error(y, y_reference, self.classification)

    def measure(self, model, generation, train):
        X, y, wanted = self.real.X, self.real.y, self.metrics
        output = self._output(model, X)
        if generation == 0:
            self._first = output
        record = {}
        if "score_real" in wanted:
            record["score_real"] = self._score(model, X, y, output)
        if self.X_val is not None and "score_validation" in wanted:
            record["score_validation"] = self._score(
                model, self.X_val, self.y_val, self._output(model, self.X_val)
            )
        std, drift = _metrics.prediction_diversity(
            output, self._first, self.classification
        )
        record["prediction_std"] = std
        if "drift" in wanted:
            record["drift"] = drift
        if self.classification and "n_classes_train" in wanted:
            record["n_classes_train"] = (
                np.nan if train is None else len(np.unique(train.y))
            )
        return record

    def _score(self, model, X, y, output):
        if self.classification:
            return float(np.mean(self._predict(model, X) == y))
        if y is self.real.y:
            return _metrics.r2(y, output, self._real_total)
        return _metrics.r2(y, output)


# ----------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------
def _weight_param(estimator, weight):
    """Fit keyword for sample weights: through (nested) pipelines to the last
    step, which takes them or passes them on (``TransformedTargetRegressor``,
    ``GridSearchCV``); routed as ``sample_weight`` under metadata routing."""
    if routing_enabled():
        return {"sample_weight": weight}
    return {sample_weight_key(estimator) or "sample_weight": weight}


def _columns(model, classes):
    return np.searchsorted(classes, model.classes_)


def _full_proba(model, X, classes):
    proba = model.predict_proba(X)
    if len(model.classes_) == len(classes):
        return proba
    full = np.zeros((proba.shape[0], len(classes)))
    full[:, _columns(model, classes)] = proba
    return full


def _one_hot(labels, classes):
    return (np.asarray(labels)[:, None] == classes[None, :]).astype(float)


def _full_decision(model, X, classes):
    scores = model.decision_function(X)
    model_classes = model.classes_
    if len(model_classes) == len(classes):
        return scores
    n = _num_samples(X)
    if len(classes) == 2:  # one class left of two
        sign = 1.0 if model_classes[0] == classes[1] else -1.0
        return np.full(n, sign * np.inf)
    if scores.ndim == 1:  # a binary model inside a multiclass problem
        scores = np.column_stack([-scores, scores])
    full = np.full((n, len(classes)), -np.inf)
    full[:, _columns(model, classes)] = scores
    return full


def _sample_rows(proba, temperature, rng):
    """One class index per row of ``proba``, drawn from ``proba ** (1/T)``.

    Tempered in log space, relative to each row's most probable class:
    ``exp((log p - log p_max) / T)`` is 1 for the most probable classes and
    tends to 0 for the others as ``T -> 0`` (no underflow to an all-zero
    row, whose draw would be class 0), so the limit is the argmax (ties
    drawn uniformly); zero-probability classes are never drawn.
    """
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            log_p = np.log(proba)
        top = np.max(log_p, axis=1, keepdims=True)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            proba = np.exp((log_p - top) / temperature)
    cumulative = np.cumsum(proba, axis=1)
    u = (1.0 - rng.random(proba.shape[0])) * cumulative[:, -1]
    index = (cumulative < u[:, None]).sum(axis=1)
    return np.minimum(index, proba.shape[1] - 1)


# ----------------------------------------------------------------------
# the base estimator: kind, tags, fine-tuning, writes into its inputs
# ----------------------------------------------------------------------
class ZeroNoiseWarning(UserWarning):
    """The generating model reproduces its training labels: no noise to draw.

    Raised (once per fit) by :class:`RecursiveRetrainer` with
    ``label_noise="residual"`` or ``"bootstrap"`` when generation 0's
    training residual RMS is at most ``1e-6`` of the standard deviation of
    the real labels (which are not constant): an interpolating base (a deep
    tree, a 1-nearest-neighbour, a Gaussian process) then emits its training
    labels unchanged and the loop simulates no collapse. With
    ``label_noise="predictive"``, when generation 0's draws (untempered)
    deviate from its predictions by at most that much. Residuals that shrink
    in later generations are the collapse itself (``label_noise_scale``)
    and raise nothing. It is a
    ``UserWarning``, not a :class:`~skcollapse.CollapseWarning`: nothing
    collapsed, the simulation is not doing what was asked, and filtering the
    expected ``CollapseWarning`` of a sweep must not hide it. Use
    ``label_noise="oof"`` (out-of-fold residuals) or ``"predictive"``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from skcollapse import RecursiveRetrainer
    >>> from skcollapse.retrainer import ZeroNoiseWarning
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> y = np.sin(X[:, 0])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = RecursiveRetrainer(DecisionTreeRegressor(), n_generations=2).fit(X, y)
    >>> any(issubclass(w.category, ZeroNoiseWarning) for w in caught)
    True
    """


_REGRESSOR_NOISE = {"residual", "bootstrap", "oof", "predictive"}
_CLASSIFIER_NOISE = {"sample", "argmax"}


def _base_tags(estimator):
    """The scikit-learn tags of ``estimator``, or None for a foreign object."""
    try:
        return get_tags(estimator)
    except (TypeError, AttributeError, ValueError):
        return None


def _check_supervised_base(estimator):
    """``"classifier"`` or ``"regressor"``, or a ValueError naming what it is.

    An estimator that declares no type (no scikit-learn tags) but has
    ``predict`` is taken as a regressor.
    """
    name = type(estimator).__name__
    tags = _base_tags(estimator)
    kind = None if tags is None else tags.estimator_type
    if kind in ("classifier", "regressor"):
        return kind
    if kind == "density_estimator" or (
        kind is None
        and hasattr(estimator, "score_samples")
        and hasattr(estimator, "sample")
        and not hasattr(estimator, "predict")
    ):
        raise ValueError(
            "RecursiveRetrainer refits a regressor or classifier on its own "
            f"labels; {name} is a density estimator: use "
            "RecursiveDensityRetrainer, which refits it on its own samples."
        )
    if kind is not None or not hasattr(estimator, "predict"):
        what = (
            f"a {kind.replace('_', ' ')}"
            if kind is not None
            else "neither (it declares no estimator type and has no predict)"
        )
        raise ValueError(
            "RecursiveRetrainer needs a regressor or classifier (or a Pipeline "
            f"ending in one) as estimator; {name} is {what}."
        )
    return "regressor"


def _warm_start_parts(estimator):
    """The (sub-)estimators of ``estimator`` that own a ``warm_start``."""
    params = estimator.get_params(deep=True)
    for key in nested_param_keys(estimator, "warm_start"):
        prefix = key[: -len("warm_start")]
        yield params[prefix[:-2]] if prefix else estimator


def _check_fine_tunable(estimator):
    """Refuse a warm start that ``fine_tune`` cannot continue from."""
    from sklearn.ensemble import BaggingClassifier, BaggingRegressor
    from sklearn.linear_model import LogisticRegression

    for part in _warm_start_parts(estimator):
        if isinstance(part, LogisticRegression) and part.solver == "liblinear":
            raise ValueError(
                "fine_tune=True continues each generation from the previous one "
                "through warm_start, which LogisticRegression(solver='liblinear') "
                "ignores (every fit starts from scratch). Use another solver, "
                "or fine_tune=False."
            )
        if isinstance(part, (BaggingClassifier, BaggingRegressor)) and part.oob_score:
            raise ValueError(
                f"fine_tune=True grows {type(part).__name__} through warm_start, "
                "which it refuses with oob_score=True. Use oob_score=False, or "
                "fine_tune=False."
            )


def _no_predict_proba(estimator):
    return ValueError(
        "label_noise='sample' draws labels from predict_proba, which "
        f"{type(estimator).__name__} does not have. Use label_noise='argmax'."
    )


def _may_overwrite(estimator):
    """Whether ``estimator`` may write into its inputs.

    True when a parameter (nested too) whose name starts with ``copy``
    (``copy``, ``copy_X``, ``copy_x``, ...) is False: scikit-learn's way to
    let an estimator work in place. Code that writes in place without such a
    parameter (a custom ``FunctionTransformer``) cannot be detected.
    """
    try:
        params = estimator.get_params(deep=True)
    except (AttributeError, TypeError):
        return False
    return any(
        key.rpartition("__")[2].startswith("copy")
        and isinstance(value, (bool, np.bool_))
        and not value
        for key, value in params.items()
    )


def _protected(estimator, data):
    """``data`` for a call of ``estimator``: a copy if it may write into it.

    A copy costs about as much as the per-generation overhead of the loop
    (0.17 ms for 5,000 x 50 floats against 2.7 ms for ``Ridge.fit``), so only
    the bases that may write get one.
    """
    return copy_data(data) if _may_overwrite(estimator) else data


# ----------------------------------------------------------------------
# predictive distributions (label_noise="predictive")
# ----------------------------------------------------------------------
#: Tweedie powers that have a sampler, and what they are.
_TWEEDIE_POWERS = (
    "0 (normal), 1 (Poisson), 1 < power < 2 (compound Poisson-gamma), 2 (gamma) "
    "and 3 (inverse Gaussian)"
)

#: Below this coefficient of variation, a predictive distribution is drawn by
#: its normal approximation (the Poisson and gamma samplers of numpy fail for
#: the huge shapes of a temperature near 0).
_TIGHT = 1e-6


def _predictive_spec(estimator):
    """The predictive distribution of a (fitted or unfitted) regressor.

    A tuple ``(family, ...)``: ``("gaussian_process",)``,
    ``("bayesian_linear",)``, ``("tweedie", power, unit_dispersion, glm)``,
    ``("transformed", inner_spec)``; or a str saying why there is none.
    A pipeline's is its last step's.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import (
        ExtraTreesRegressor,
        HistGradientBoostingRegressor,
        RandomForestRegressor,
    )
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.linear_model import (
        ARDRegression,
        BayesianRidge,
        GammaRegressor,
        LinearRegression,
        PoissonRegressor,
        TweedieRegressor,
    )
    from sklearn.tree import DecisionTreeRegressor

    name = type(estimator).__name__
    if hasattr(estimator, "steps"):
        final = estimator.steps[-1][1]
        if final is None or isinstance(final, str):
            return "its pipeline ends in 'passthrough'"
        return _predictive_spec(final)
    if isinstance(estimator, TransformedTargetRegressor):
        inner = getattr(estimator, "regressor_", None)
        if inner is None:
            inner = estimator.regressor
        if inner is None:
            inner = LinearRegression()
        spec = _predictive_spec(inner)
        if isinstance(spec, str):
            return f"its regressor has none ({spec})"
        return ("transformed", spec)
    if isinstance(estimator, GaussianProcessRegressor):
        if np.size(estimator.alpha) != 1:
            return (
                "an array alpha is a noise variance per training row, and the "
                "synthetic rows have none: pass a scalar alpha"
            )
        return ("gaussian_process",)
    if isinstance(estimator, (BayesianRidge, ARDRegression)):
        return ("bayesian_linear",)
    if isinstance(estimator, PoissonRegressor):
        return ("tweedie", 1.0, True, True)
    if isinstance(estimator, GammaRegressor):
        return ("tweedie", 2.0, False, True)
    if isinstance(estimator, TweedieRegressor):
        power = float(estimator.power)
        if power in (0.0, 1.0, 2.0, 3.0) or 1.0 < power < 2.0:
            return ("tweedie", power, power == 1.0, True)
        return (
            f"TweedieRegressor(power={estimator.power}) is a Tweedie distribution "
            f"without a sampler; the powers that have one are {_TWEEDIE_POWERS}"
        )
    if isinstance(estimator, HistGradientBoostingRegressor) and estimator.loss in (
        "poisson",
        "gamma",
    ):
        return (
            "tweedie",
            1.0 if estimator.loss == "poisson" else 2.0,
            estimator.loss == "poisson",
            False,
        )
    trees = (DecisionTreeRegressor, RandomForestRegressor, ExtraTreesRegressor)
    if isinstance(estimator, trees) and estimator.criterion == "poisson":
        return ("tweedie", 1.0, True, False)
    return f"{name} has no predictive distribution"


def _positive_family(spec):
    """Whether a predictive distribution has positive labels only."""
    return spec[0] == "tweedie" and spec[1] >= 1.0


def _auto_label_noise(estimator):
    """``"predictive"`` for a positive-target base that has a predictive
    distribution, ``"residual"`` otherwise."""
    spec = _predictive_spec(estimator)
    if isinstance(spec, str):
        return "residual"
    tags = _base_tags(estimator)
    positive = tags is not None and tags.target_tags.positive_only
    return "predictive" if positive or _positive_family(spec) else "residual"


def _predictive_sampler(model, X, y, weight, guard):
    """``draw(X, rng, temperature)``: labels from a fitted model's predictive
    distribution, its dispersion estimated on its training set ``(X, y)``.

    ``guard`` gives the data for every call of the base (a copy when the base
    may write into it).
    """
    if hasattr(model, "steps"):
        final = model.steps[-1][1]
        if len(model.steps) == 1:
            return _predictive_sampler(final, X, y, weight, guard)
        head = model[:-1]
        needs_training = _needs_training_set(_predictive_spec(final))
        Xt = head.transform(guard(X)) if needs_training else None
        inner = _predictive_sampler(final, Xt, y, weight, guard)
        return lambda X_new, rng, temperature: inner(
            head.transform(guard(X_new)), rng, temperature
        )
    spec = _predictive_spec(model)
    if spec[0] == "transformed":
        transformer = model.transformer_
        y_t = None
        if _needs_training_set(spec[1]):
            y_t = transformer.transform(np.reshape(y, (len(y), -1)))
            if np.ndim(y) == 1:
                y_t = np.ravel(y_t)
        inner = _predictive_sampler(model.regressor_, X, y_t, weight, guard)

        def draw(X_new, rng, temperature):
            drawn = np.asarray(inner(X_new, rng, temperature))
            labels = transformer.inverse_transform(drawn.reshape(len(drawn), -1))
            return np.ravel(labels) if drawn.ndim == 1 else labels

        return draw
    if spec[0] == "gaussian_process":
        alpha = float(np.ravel(model.alpha)[0])

        def draw(X_new, rng, temperature):
            X_new = guard(X_new)
            sample = model.sample_y(X_new, n_samples=1, random_state=draw_seed(rng))
            sample = sample[..., 0]
            if temperature != 1.0:
                mean = np.asarray(model.predict(X_new)).reshape(sample.shape)
                sample = mean + np.sqrt(temperature) * (sample - mean)
            noise = np.sqrt(alpha * temperature) * rng.standard_normal(sample.shape)
            return sample + noise

        return draw
    if spec[0] == "bayesian_linear":

        def draw(X_new, rng, temperature):
            mean, std = model.predict(guard(X_new), return_std=True)
            noise = np.sqrt(temperature) * std * rng.standard_normal(mean.shape)
            return mean + noise

        return draw
    _, power, unit, glm = spec
    if unit:
        dispersion = 1.0
    else:
        mu = np.asarray(model.predict(guard(X)), dtype=float)
        n_params = np.size(model.coef_) + int(model.fit_intercept) if glm else 0
        dispersion = _pearson_dispersion(y, mu, power, weight, n_params)

    def draw(X_new, rng, temperature):
        mu = np.asarray(model.predict(guard(X_new)), dtype=float)
        return _draw_tweedie(mu, dispersion * temperature, power, rng)

    return draw


def _needs_training_set(spec):
    """Whether a predictive distribution estimates a dispersion on the data."""
    if spec[0] == "transformed":
        return _needs_training_set(spec[1])
    return spec[0] == "tweedie" and not spec[2]


def _pearson_dispersion(y, mu, power, weight, n_params):
    """Moment (Pearson) estimate of a Tweedie dispersion.

    ``sum(w (y - mu)**2 / mu**power) / sum(w) * n / (n - p)``: the weighted
    mean squared Pearson residual, with ``p`` fitted coefficients taken off
    the ``n`` rows (none when ``p >= n``).
    """
    y = np.ravel(np.asarray(y, dtype=float))
    mu = np.ravel(mu)
    if power > 0 and np.any(mu <= 0):
        raise ValueError(
            "the model predicts a mean <= 0, outside the domain of its "
            f"Tweedie distribution of power {power}"
        )
    pearson = (y - mu) ** 2 / mu**power
    weight = np.ones_like(y) if weight is None else np.ravel(weight)
    n = y.shape[0]
    correction = n / (n - n_params) if n > n_params else 1.0
    return float(np.sum(weight * pearson) / np.sum(weight) * correction)


def _draw_tweedie(mu, dispersion, power, rng):
    """Labels of mean ``mu`` and variance ``dispersion * mu**power``.

    Power 0: normal; 1: ``dispersion`` times a Poisson count of mean
    ``mu / dispersion``; ``1 < power < 2``: compound Poisson-gamma (a
    Poisson number of gamma summands, 0 with positive probability); 2:
    gamma; 3: inverse Gaussian (Wald). Where the coefficient of variation is
    below ``1e-6`` (a temperature near 0), the normal approximation.
    """
    mu = np.asarray(mu, dtype=float)
    if not np.all(np.isfinite(mu)):
        raise ValueError("the model predicts non-finite means")
    if power == 0:
        return mu + np.sqrt(dispersion) * rng.standard_normal(mu.shape)
    if np.any(mu < 0):
        raise ValueError(
            "the model predicts a negative mean, outside the domain of its "
            f"Tweedie distribution of power {power}"
        )
    sd = np.sqrt(dispersion * mu**power)
    labels = mu.copy()
    tight = sd <= _TIGHT * mu
    labels[tight] += sd[tight] * rng.standard_normal(int(np.sum(tight)))
    loose = ~tight
    m = mu[loose]
    if power == 1:
        labels[loose] = dispersion * rng.poisson(m / dispersion)
    elif power < 2:
        rate = m ** (2 - power) / (dispersion * (2 - power))
        count = rng.poisson(rate)
        shape = count * (2 - power) / (power - 1)
        scale = dispersion * (power - 1) * m ** (power - 1)
        labels[loose] = rng.gamma(shape, scale)  # shape 0 draws 0
    elif power == 2:
        labels[loose] = rng.gamma(1 / dispersion, m * dispersion)
    else:
        labels[loose] = rng.wald(m, 1 / dispersion)
    return labels
