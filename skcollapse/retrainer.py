"""Recursive retraining of a regressor or classifier on its own outputs."""

import numbers

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
from ._base import BaseRecursiveRetrainer
from ._compat import (
    HasMethods,
    StrOptions,
    _fit_context,
    _num_samples,
    _raise_for_params,
    _safe_indexing,
    routing_enabled,
)
from ._docstrings import Substitution, shared_parameters
from ._params import Interval
from ._problem import Batch, InputError, Problem, Synthesis
from ._random import Stream, draw_seed, seed_estimator

__all__ = ["RecursiveRetrainer"]


def _estimator_has(attr):
    """Check the fitted last generation if available, else the unfitted base."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


def _is_classifier_base(self):
    return is_classifier(self.estimator)


@Substitution(**shared_parameters("supervised"))
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
        A scikit-learn regressor or classifier (or a Pipeline ending in one).
        It is cloned for every generation; it is never fitted in place.

    %(n_generations)s

    %(data)s

    %(real_fraction)s

    %(real_sampling)s

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
        is multiplied by ``temperature``. Classifiers: labels are drawn from
        probabilities proportional to ``p ** (1 / temperature)``. Values below
        1 narrow what the model emits.

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

    label_noise : {"auto", "residual", "bootstrap", "sample", "argmax"} or \
            float, default="auto"
        How synthetic labels are drawn. Regressors: ``"residual"`` (what
        ``"auto"`` means for them) adds Gaussian noise with the standard
        deviation (per output) of the generating model's own training
        residuals, the self-consuming case; ``"bootstrap"`` adds residuals
        resampled from those; a float adds Gaussian noise of that known
        standard deviation (``0.0``: deterministic predictions, as in
        distillation). Classifiers: ``"sample"`` (what ``"auto"`` means for
        them) draws each label from ``predict_proba``; ``"argmax"`` takes
        ``predict``.

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
        ``prediction_std`` falls below ``collapse_threshold`` times
        generation 0's.

    %(metrics)s

    %(random_state)s

    %(verbose)s

    Attributes
    ----------
    estimator_ : estimator
        The last fitted generation.

    estimators_ : list of estimators
        Every generation's fitted estimator; index = generation.

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

    n_generations_ : int
        Generations completed after generation 0.

    termination_condition_ : {"max_generations", "degenerate"}
        ``"degenerate"`` when collapse made the data impossible to fit: the
        loop stopped with a :class:`~skcollapse.CollapseWarning` and
        ``estimator_`` is the last generation that could be fitted.

    collapse_generation_ : int or None
        First generation whose diversity fell below ``collapse_threshold`` of
        generation 0's.

    sample_generation_ : ndarray of shape (n_train,)
        Provenance of each row of the last training set: 0 real, ``g``
        synthetic, drawn from generation ``g - 1``.

    classes_ : ndarray of shape (n_classes,)
        Classifiers only: the classes seen in the real data, fixed at
        generation 0. A class that vanishes later keeps its column in
        ``predict_proba`` with probability 0.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

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

    References
    ----------
    .. [1] M. Gerstgrasser et al., "Is Model Collapse Inevitable? Breaking the
       Curse of Recursion by Accumulating Real and Synthetic Data", 2024.
    .. [2] M. E. A. Seddik et al., "How Bad is Training on Synthetic Data? A
       Statistical Analysis of Language Model Collapse", 2024.
    .. [3] I. Shumailov et al., "AI models collapse when trained on
       recursively generated data", Nature, 2024.

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
            StrOptions({"auto", "residual", "bootstrap", "sample", "argmax"}),
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
        synthetic_size=1.0,
        synthetic_weight=1.0,
        temperature=1.0,
        inputs="reuse",
        label_noise="auto",
        verifier=None,
        keep_fraction=None,
        threshold=None,
        n_candidates=1,
        regularization=None,
        validation_fraction=None,
        fine_tune=False,
        store_estimators=True,
        collapse_threshold=0.1,
        metrics="default",
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.n_generations = n_generations
        self.data = data
        self.real_fraction = real_fraction
        self.real_sampling = real_sampling
        self.synthetic_size = synthetic_size
        self.synthetic_weight = synthetic_weight
        self.temperature = temperature
        self.inputs = inputs
        self.label_noise = label_noise
        self.verifier = verifier
        self.keep_fraction = keep_fraction
        self.threshold = threshold
        self.n_candidates = n_candidates
        self.regularization = regularization
        self.validation_fraction = validation_fraction
        self.fine_tune = fine_tune
        self.store_estimators = store_estimators
        self.collapse_threshold = collapse_threshold
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
            are (so a ``ColumnTransformer`` can select columns by name).

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real targets.

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
        classifier = is_classifier(self.estimator)
        X, y = self._validate_fit_data(X, y, classifier)
        sample_weight = self._route_sample_weight(X, sample_weight, fit_params)

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
        """Check ``label_noise`` against the base; return what it means here."""
        classifier = is_classifier(self.estimator)
        noise = self.label_noise
        if isinstance(noise, str):
            if noise == "auto":
                noise = "sample" if classifier else "residual"
            allowed = {"sample", "argmax"} if classifier else {"residual", "bootstrap"}
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
        ):
            raise ValueError(
                "label_noise='sample' draws labels from predict_proba, which "
                f"{type(self.estimator).__name__} does not have. Use "
                "label_noise='argmax'."
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
            # nothing to check here, which keeps the cost of a fit low.
            X = check_array(
                X,
                accept_sparse=["csr", "csc"],
                dtype=None,
                ensure_all_finite=False,
                ensure_min_samples=1,
            )
        validate_data(self, X, skip_check_array=True)
        if classifier:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        else:
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
        check_is_fitted(self)
        if not hasattr(X, "iloc"):
            X = check_array(
                X,
                accept_sparse=True,
                dtype=None,
                ensure_all_finite=False,
                ensure_min_features=0,
            )
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
        return self.estimator_.predict(X)

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
            yield estimator.predict(X)

    @available_if(_is_classifier_base)
    @available_if(_estimator_has("predict_proba"))
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
        return _full_proba(self.estimator_, X, self.classes_)

    @available_if(_is_classifier_base)
    @available_if(_estimator_has("predict_proba"))
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

    @available_if(_is_classifier_base)
    @available_if(_estimator_has("predict_proba"))
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
            yield _full_proba(estimator, X, self.classes_)

    @available_if(_is_classifier_base)
    @available_if(_estimator_has("decision_function"))
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
        return _full_decision(self.estimator_, X, self.classes_)

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
        return self.estimator_.score(X, y, **score_params)

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
        try:
            base = get_tags(self.estimator)
        except (TypeError, AttributeError, ValueError):
            return tags
        tags.estimator_type = base.estimator_type
        tags.input_tags.sparse = base.input_tags.sparse
        tags.input_tags.allow_nan = base.input_tags.allow_nan
        tags.input_tags.categorical = base.input_tags.categorical
        tags.input_tags.string = base.input_tags.string
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
        elif base.estimator_type == "regressor":
            tags.regressor_tags = RegressorTags(poor_score=True)
            tags.target_tags.multi_output = base.target_tags.multi_output
            tags.target_tags.single_output = base.target_tags.single_output
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
        self._residuals = None
        self._first = None
        self.metrics = owner._check_metrics()
        self._sampler = self._fit_input_sampler(seeds)

    # -- inputs -----------------------------------------------------------
    def _fit_input_sampler(self, seeds):
        inputs = self.owner.inputs
        if isinstance(inputs, str) or not hasattr(inputs, "fit"):
            return None
        sampler = seed_estimator(clone(inputs), seeds.rng(0, Stream.INPUT_SAMPLER))
        X = self.real.X
        sampler.fit(X.to_numpy() if hasattr(X, "iloc") else X)
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
        if (
            shape is None
            or len(shape) != 2
            or shape[0] != n
            or shape[1] != X_real.shape[1]
        ):
            raise InputError(
                f"inputs must produce an array of shape ({n}, {X_real.shape[1]}) for "
                f"{n} synthetic samples; got shape {shape}."
            )
        return X_new

    # -- cached predictions -----------------------------------------------
    def _output(self, model, X):
        """Predictions (regressors) or full probabilities (classifiers)."""
        key = (id(model), id(X))
        if key not in self._cache:
            if not self.classification:
                out = np.asarray(model.predict(X), dtype=float)
                out = out.reshape((out.shape[0],) + self.real.y.shape[1:])
            elif hasattr(model, "predict_proba"):
                out = _full_proba(model, X, self.classes)
            else:
                out = _one_hot(self._predict(model, X), self.classes)
            self._cache[key] = out
        return self._cache[key]

    def _predict(self, model, X):
        """A classifier's predicted labels, computed once per model and input."""
        key = (id(model), id(X), "predict")
        if key not in self._cache:
            self._cache[key] = np.asarray(model.predict(X))
        return self._cache[key]

    # -- the protocol -----------------------------------------------------
    def fit(self, estimator, batch):
        self._cache = {}
        if self.weighted:
            weight = np.ones(len(batch)) if batch.weight is None else batch.weight
            estimator.fit(batch.X, batch.y, **_weight_param(estimator, weight))
        else:
            estimator.fit(batch.X, batch.y)
        if not self.classification and not isinstance(self.label_noise, numbers.Real):
            self._residuals = batch.y - self._output(estimator, batch.X)
        return estimator

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
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
        residuals = self._residuals
        if residuals.ndim == 1:
            sigma = _metrics.rms(residuals) * scale
        else:
            sigma = _metrics.column_rms(residuals) * scale
        noise_scale = _metrics.rms(sigma)
        if self.label_noise == "bootstrap":
            noise = residuals[
                rng.integers(0, residuals.shape[0], size=prediction.shape[0])
            ]
            return prediction + scale * noise, noise_scale
        return prediction + sigma * rng.standard_normal(prediction.shape), noise_scale

    def fit_verifier(self, verifier):
        needed = "predict_proba" if self.classification else "predict"
        if not hasattr(verifier, needed):
            kind = "classification" if self.classification else "regression"
            raise ValueError(
                f"A verifier for a {kind} loop must have {needed} (to score "
                f"synthetic labels); {type(verifier).__name__} has none. Pass an "
                "estimator with it or a callable (X, y) -> scores."
            )
        return verifier.fit(self.real.X, self.real.y)

    def verifier_scores(self, verifier, batch):
        if self.classification:
            proba = verifier.predict_proba(batch.X)
            classes = list(verifier.classes_)
            scores = np.zeros(len(batch))
            for j, label in enumerate(classes):
                mask = batch.y == label
                scores[mask] = proba[mask, j]
            return scores
        prediction = np.asarray(verifier.predict(batch.X), dtype=float)
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
    """Fit keyword for sample weights; a Pipeline takes them in its last step."""
    if hasattr(estimator, "steps") and not routing_enabled():
        return {f"{estimator.steps[-1][0]}__sample_weight": weight}
    return {"sample_weight": weight}


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
    """One class index per row of ``proba``, drawn from ``proba ** (1/T)``."""
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            logits = np.log(proba) / temperature
        logits -= np.max(logits, axis=1, keepdims=True)
        proba = np.exp(logits)
    cumulative = np.cumsum(proba, axis=1)
    u = (1.0 - rng.random(proba.shape[0])) * cumulative[:, -1]
    index = (cumulative < u[:, None]).sum(axis=1)
    return np.minimum(index, proba.shape[1] - 1)
