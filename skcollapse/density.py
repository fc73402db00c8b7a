"""Recursive retraining of a density estimator on its own samples."""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import DensityMixin
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
)
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from . import _metrics
from ._base import BaseRecursiveRetrainer
from ._compat import _fit_context
from ._docstrings import (
    Substitution,
    references,
    sample_parameters,
    shared_attributes,
    shared_parameters,
)
from ._problem import Batch, Problem, Synthesis
from ._random import Stream, draw_seed
from ._sampling import check_sampler, draw_samples, is_discrete, probabilities
from .generative import GaussianDensity

__all__ = ["RecursiveDensityRetrainer"]

# Random directions of the sliced Wasserstein distance (fixed for a fit), and
# the least number of model samples it compares with the real data.
N_PROJECTIONS = 50
N_MODEL_SAMPLES = 1000
# The most rows of either side the sliced Wasserstein distance compares: its
# cost stays bounded on large real data.
N_METRIC_ROWS = 10_000


@Substitution(
    **shared_parameters("density"),
    **shared_attributes(),
    references=references(
        "shumailov2024", "alemohammad2024", "seddik2024", "gerstgrasser2024"
    ),
)
class RecursiveDensityRetrainer(DensityMixin, BaseRecursiveRetrainer):
    """Refit a density estimator recursively on its own samples.

    Generation 0 is a clone of ``estimator`` fitted on the real data. Each
    later generation is a fresh clone fitted on samples drawn from the
    previous generation, mixed with real data according to the data regime.
    The collapse trajectory (likelihood of the real data, spread, drift and,
    for discrete models, support and entropy) is stored in ``trajectory_``.

    The loop is the one of :class:`~skcollapse.RecursiveRetrainer`: ``data``,
    ``real_fraction``, ``real_sampling``, ``synthetic_size``, the verifier
    and the schedules mean exactly the same thing for both.

    Read more in the :ref:`User Guide <generation_loop>`.

    Parameters
    ----------
    estimator : estimator object
        A density estimator with ``fit``, ``score_samples`` and ``sample``:
        :class:`~sklearn.neighbors.KernelDensity` (``"gaussian"`` or
        ``"tophat"`` kernel, the only ones that can sample, and the Euclidean
        metric, the only one its ``sample`` follows),
        :class:`~sklearn.mixture.GaussianMixture`,
        :class:`~sklearn.mixture.BayesianGaussianMixture`,
        :class:`~skcollapse.generative.GaussianDensity`,
        :class:`~skcollapse.generative.CategoricalDensity`, or any estimator
        whose ``sample(n_samples)`` returns the samples (or a tuple starting
        with them), and ``get_params``/``set_params`` (derive from
        :class:`~sklearn.base.BaseEstimator`): it is cloned for every
        generation, never fitted in place.

    %(n_generations)s

    %(data)s

    %(real_fraction)s

    %(real_sampling)s

    %(real_source)s

    %(accumulate_window)s

    %(synthetic_size)s

    synthetic_weight : float, default=1.0
        Sample weight of synthetic rows relative to real rows. When
        ``sample_weight`` is passed to ``fit``, synthetic rows weigh
        ``synthetic_weight`` times the mean real weight. Values other than 1
        require a base estimator whose ``fit`` accepts ``sample_weight``
        (``KernelDensity``, ``GaussianDensity``, ``CategoricalDensity``; not
        the Gaussian mixtures).

    temperature : float, default=1.0
        Sampling bias of the loop (Alemohammad et al.'s lambda): the
        synthetic samples are drawn with every covariance multiplied by
        ``temperature`` (Gaussian mixtures, ``GaussianDensity``; for
        ``KernelDensity`` the kernel's covariance), or from probabilities
        proportional to ``p ** (1 / temperature)`` (``CategoricalDensity``).
        Values below 1 narrow what the model emits. Other families accept
        only 1.0. It biases the synthetic data only: :meth:`sample`,
        :meth:`score_samples` and the trajectory describe the models as
        fitted.

    %(correction)s

    verifier : None, estimator or callable, default=None
        Scores synthetic samples so that a selection rule can keep the best
        (Feng et al., 2024). An estimator with ``score_samples`` (a density
        estimator) is fitted on the real data at generation 0 (wrap a prefit
        one in ``sklearn.frozen.FrozenEstimator``) and scores a synthetic
        sample by its ``score_samples``. A callable ``(X) -> scores`` is
        called on each generation's synthetic samples. Higher scores are
        better.

    %(keep_fraction)s

    %(threshold)s

    %(n_candidates)s

    %(regularization)s

    %(validation_fraction)s

    %(fine_tune)s

    %(store_estimators)s

    collapse_threshold : float in [0, 1], default=0.1
        ``collapse_generation_`` is the first generation whose diversity
        is at or below ``collapse_threshold`` times generation 0's (``0``: a
        Dirac mass or zero variance exactly); generation 0 itself when its
        diversity is already 0. Diversity is
        ``trajectory_["total_variance"]`` for continuous models and
        ``trajectory_["entropy"]`` for discrete ones
        (``CategoricalDensity``), whose entropy is 0 for a Dirac mass.

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
          candidates of each input are not counted); with a verifier,
          ``"acceptance_rate"``;
        - ``"log_likelihood_real"``: mean ``score_samples`` of the generation's
          model on the real training data (weighted by ``sample_weight`` when
          given); ``-inf`` once the model gives a real sample zero density
          (a lost token, a collapsed Gaussian);
          ``"log_likelihood_validation"``: the same on the held-out real data
          when ``validation_fraction`` is set;
        - ``"total_variance"``: trace of the covariance of the generation's
          training set (``ddof=1``, weighted by the sample weights as
          ``numpy.cov(aweights=...)``; 0 for a single row). For a
          ``GaussianDensity`` fitted on synthetic data only it is exactly
          ``trace(covariance_)``;
        - ``"mean_shift"``: Euclidean distance between the (weighted) mean of
          the generation's training set and the mean of the real training
          data;
        - ``"wasserstein"``: sliced Wasserstein-1 distance between the model
          and the real training data (see Notes);
        - discrete models only: ``"support_size"`` (tokens of positive
          probability), ``"entropy"`` (``-sum p log p``, in nats) and
          ``"collision"`` (``sum p**2``, the collision probability of
          :func:`skcollapse.theory.categorical_collision`) of the model's
          distribution;
        - ``"param_<name>"`` for scheduled hyper-parameters.

        ``"total_variance"`` and ``"mean_shift"`` are NaN for a generation
        left without training data (a verifier rejected everything).

    %(n_generations_)s

    termination_condition_ : {"max_generations", "degenerate", "collapsed"}
        ``"degenerate"`` when collapse made the data impossible to fit (for
        example fewer distinct samples than mixture components): the loop
        stopped with a :class:`~skcollapse.CollapseWarning` and
        ``estimator_`` is the last generation that could be fitted.
        ``"collapsed"`` when ``stop_on_collapse`` ended the loop at
        ``collapse_generation_`` (for ``CategoricalDensity`` with
        ``collapse_threshold=0``: the first generation with one token left,
        the absorption time of Seddik et al.).

    %(collapse_generation_)s

    %(sample_generation_)s

    %(n_features_in_)s

    %(feature_names_in_)s

    See Also
    --------
    RecursiveRetrainer : The same loop for regressors and classifiers.
    skcollapse.generative.GaussianDensity : Single Gaussian, the model of the
        closed-form theory.
    skcollapse.generative.CategoricalDensity : Token distribution, the
        model of Seddik et al.

    Notes
    -----
    Generation ``g`` is the model of the ``g + 1``-th fit: generation 0 is
    fitted on the real data. The formulas below, like every function of
    :mod:`skcollapse.theory`, use this indexing; the papers' own (Shumailov
    et al. and Seddik et al. count fits from 1) is converted in the
    docstrings of the theory functions.

    Fully synthetic loop (``real_fraction=0``) with ``M`` samples per
    generation and real data drawn from :math:`N(\\mu, \\sigma^2)`:
    refitting a one-dimensional
    :class:`~skcollapse.generative.GaussianDensity` (``ddof=1``) on its own
    samples gives (Shumailov et al.)

    .. math::

        E\\,\\sigma_g = \\sigma\\, a(M)^{g+1}, \\qquad
        E(\\mu_g - \\mu)^2 = \\sigma^2 \\frac{g + 1}{M}, \\qquad
        a(M) = \\sqrt{\\tfrac{2}{M-1}}\\,
        \\frac{\\Gamma(M/2)}{\\Gamma((M-1)/2)} < 1,

    so the standard deviation goes to zero almost surely. With the sampling
    bias ``temperature`` :math:`= \\lambda`, :math:`E \\operatorname{tr}
    \\Sigma_g = \\lambda^g \\operatorname{tr} \\Sigma` (Alemohammad et
    al.). These are :func:`skcollapse.theory.gaussian_refit`, which also
    covers a real sample size other than ``M``, ``ddof=0``, the mean shift
    and the Wasserstein-2 distance.

    Refitting a :class:`~skcollapse.generative.CategoricalDensity` on ``n``
    of its own samples is multinomial resampling: the collision
    :math:`\\sigma_g = \\sum_i p_i(g)^2` of generation ``g`` grows as
    :math:`E \\sigma_g = 1 - (1 - 1/n)^{g+1} (1 - \\sum_i p_i^2)`, with
    :math:`p` the real distribution, and the distribution ends as a Dirac
    mass on token :math:`i` with probability :math:`p_i` (Seddik et al.,
    Theorem 1 and Proposition 1): :func:`skcollapse.theory.categorical_collision`
    and :func:`skcollapse.theory.categorical_collapse_bounds`. Keeping the
    ``N`` real samples (``real_fraction=1``, ``synthetic_size=n / N``) makes
    it converge to a fixed point instead (Theorem 2, also in
    :func:`~skcollapse.theory.categorical_collision`).

    The sliced Wasserstein-1 distance of ``trajectory_["wasserstein"]`` is

    .. math::

        SW_1(P, Q) = \\frac{1}{L} \\sum_{l=1}^{L}
        W_1(\\theta_l^\\top P, \\theta_l^\\top Q),

    over :math:`L = 50` random directions :math:`\\theta_l`, uniform on the
    unit sphere and the same for every generation of a fit (in one dimension
    it is :math:`W_1` itself). :math:`P` is the empirical distribution of
    ``min(max(1000, n_real), 10000)`` samples of the generation's model (as
    fitted, without the loop's ``temperature``) and :math:`Q` that of the
    real training data (weighted by ``sample_weight``; a uniform subsample of
    10,000 rows, drawn once per fit, when there are more, so that its cost
    stays bounded on large data); each one-dimensional
    :math:`W_1` is computed exactly between the two empirical distributions.
    The draws come from a stream seeded by ``random_state``, independent of
    the synthetic data, so the metric is reproducible and does not change
    the trajectory. It is computed only when ``metrics`` asks for it (it is
    the one expensive metric). Even a perfect model is at a small positive
    distance, the sampling noise of the real samples. For discrete models
    the distance is exact instead: the :math:`W_1` distance on the integer
    line between the model's probabilities and the real token frequencies.

    Collapse can make the data unfit for the base estimator: fewer distinct
    samples than ``GaussianMixture`` components, fewer samples than
    ``BayesianGaussianMixture`` components, fewer than ``ddof + 1`` samples
    for ``GaussianDensity``, non-finite samples, or any error of the base
    ``fit`` after generation 0. The loop then stops
    (``termination_condition_ == "degenerate"``) with a
    :class:`~skcollapse.CollapseWarning`, and the estimator stays usable.
    Data that a family fits without trouble (identical samples for
    ``GaussianDensity`` or ``KernelDensity``, one token left for
    ``CategoricalDensity``) is not degenerate: the loop goes on and the
    collapse shows in ``collapse_generation_``.

    %(references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skcollapse import RecursiveDensityRetrainer
    >>> from skcollapse.generative import GaussianDensity
    >>> X = np.random.RandomState(0).normal(size=(20, 2))
    >>> est = RecursiveDensityRetrainer(
    ...     GaussianDensity(), n_generations=100, random_state=0
    ... ).fit(X)
    >>> est.trajectory_["generation"][:4]
    array([0, 1, 2, 3])
    >>> variance = est.trajectory_["total_variance"]
    >>> bool(variance[-1] < 0.1 * variance[0]), est.collapse_generation_ is not None
    (True, True)
    >>> est.sample(3, random_state=0).shape
    (3, 2)
    >>> bool(est.score(X) < est.estimators_[0].score(X))
    True
    """

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
    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Fit generation 0 on the real data, then refit recursively.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Real data.

        y : None
            Ignored. Present for API consistency.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the real rows, passed to the base estimator's ``fit``
            (through metadata routing when it is enabled). The base estimator
            must accept ``sample_weight``.

        **fit_params : dict
            Only with metadata routing enabled; any metadata other than
            ``sample_weight`` is refused, as per-row metadata cannot follow
            synthetic rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_params()
        X = validate_data(self, X, dtype="numeric", ensure_min_samples=1)
        n_samples = X.shape[0]
        if n_samples < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to fit, got "
                f"n_samples={n_samples}."
            )
        sample_weight = self._route_sample_weight(X, sample_weight, fit_params)

        seeds = self._seed_table()
        (X, sample_weight), validation = self._split_validation(seeds, X, sample_weight)
        X_val = None if validation is None else validation[0]
        problem = _DensityProblem(self, X, sample_weight, X_val, seeds)
        return self._run_loop(problem, seeds)

    def _available_metrics(self):
        names = [
            "log_likelihood_real",
            "log_likelihood_validation",
            "total_variance",
            "mean_shift",
            "wasserstein",
        ]
        if is_discrete(self.estimator):
            names += ["support_size", "entropy", "collision"]
        return names, [name for name in names if name != "wasserstein"]

    def _check_own_params(self):
        """The base estimator must be able to sample, at ``temperature``.

        And be clonable (``get_params`` / ``set_params``), and, for
        ``KernelDensity``, sample from the kernel it scores with (Euclidean
        metric): see :func:`skcollapse._sampling.check_sampler`.
        """
        check_sampler(self.estimator, self.temperature)

    # ------------------------------------------------------------------
    # scoring and sampling
    # ------------------------------------------------------------------
    def _check_input(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype="numeric", reset=False)

    def score_samples(self, X):
        """Log-density of each sample under the last generation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to evaluate the density.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``estimator_.score_samples(X)``; ``-inf`` where the model has zero
            density (a lost token, a point off a collapsed Gaussian).
        """
        X = self._check_input(X)
        return np.asarray(self.estimator_.score_samples(X), dtype=float)

    def staged_score_samples(self, X):
        """Log-density of each sample under every generation, generation 0 first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points at which to evaluate the density.

        Yields
        ------
        log_density : ndarray of shape (n_samples,)
            ``score_samples`` of each generation in turn.
        """
        X = self._check_input(X)
        for estimator in self._staged_estimators("staged_score_samples"):
            yield np.asarray(estimator.score_samples(X), dtype=float)

    def score(self, X, y=None):
        """Mean log-likelihood of X under the last generation.

        The mean (not the sum, unlike ``KernelDensity.score``), so that scores
        of test folds of different sizes are comparable and
        :class:`~sklearn.model_selection.GridSearchCV` can rank
        configurations by held-out log-likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples` over the rows of X (``-inf`` if the
            model gives a row zero density).
        """
        return float(np.mean(self.score_samples(X)))

    @Substitution(sample_parameters=sample_parameters())
    def sample(self, n_samples=1, random_state=None):
        """Draw samples from the last generation, as fitted.

        The loop's ``temperature`` is not applied: it is the sampling bias
        that produced the synthetic training data, not part of the model.
        The base estimator's own parameters (such as
        ``GaussianDensity(temperature=...)``) are.

        Parameters
        ----------
        %(sample_parameters)s

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The samples, in random order (float64; int64 tokens for
            ``CategoricalDensity``).
        """
        check_is_fitted(self)
        return draw_samples(self.estimator_, n_samples, random_state=random_state)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes ``sample_weight`` to the base estimator's ``fit``.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating routing information.
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        try:
            base = get_tags(self.estimator)
        except (TypeError, AttributeError, ValueError):
            return tags
        tags.input_tags.categorical = base.input_tags.categorical
        tags.input_tags.positive_only = base.input_tags.positive_only
        return tags


# ----------------------------------------------------------------------
# The density problem plugged into the shared loop
# ----------------------------------------------------------------------
class _DensityProblem(Problem):
    """Density-estimation specifics of the generation loop.

    Synthetic rows are samples of the previous generation (through the
    sampling adapter, with the loop's ``temperature``); a callable verifier
    receives the samples only.
    """

    def __init__(self, owner, X, sample_weight, X_val, seeds):
        self.owner = owner
        self.seeds = seeds
        self.temperature = float(owner.temperature)
        self.discrete = is_discrete(owner.estimator)
        self.diversity_key = "entropy" if self.discrete else "total_variance"
        self.real = Batch(
            X=X, weight=sample_weight, origin=np.zeros(X.shape[0], dtype=int)
        )
        self.X_val = X_val
        self.synthetic_weight = float(owner.synthetic_weight) * (
            1.0 if sample_weight is None else float(np.mean(sample_weight))
        )
        self.weighted = sample_weight is not None or owner.synthetic_weight != 1.0
        self.real_mean = _metrics.weighted_mean(X, sample_weight)
        self.metrics = wanted = owner._check_metrics()
        if self.discrete:
            self.real_tokens = _metrics.token_distribution(X[:, 0], sample_weight)
        elif "wasserstein" in wanted:
            self._set_up_sliced_wasserstein(X, sample_weight, seeds)

    def _set_up_sliced_wasserstein(self, X, sample_weight, seeds):
        """Directions, and the (capped) real rows projected on them."""
        rng = seeds.rng(0, Stream.METRIC_DIRECTIONS)
        # one direction suffices in 1-D: every projection is +-X
        n_projections = N_PROJECTIONS if X.shape[1] > 1 else 1
        directions = rng.standard_normal((X.shape[1], n_projections))
        self.directions = directions / np.linalg.norm(directions, axis=0)
        self.metric_weight = sample_weight
        if X.shape[0] > N_METRIC_ROWS:
            rows = np.sort(
                seeds.rng(0, Stream.METRIC_ROWS).choice(
                    X.shape[0], size=N_METRIC_ROWS, replace=False
                )
            )
            X = X[rows]
            self.metric_weight = None if sample_weight is None else sample_weight[rows]
        self.real_projected = X @ self.directions
        self.n_model_samples = min(max(N_MODEL_SAMPLES, X.shape[0]), N_METRIC_ROWS)

    # -- the protocol -----------------------------------------------------
    def fit(self, estimator, batch):
        # the estimator itself, not what its fit returns: a duck-typed base
        # whose fit returns None (rather than self) is still the fitted model
        if self.weighted:
            weight = np.ones(len(batch)) if batch.weight is None else batch.weight
            estimator.fit(batch.X, sample_weight=weight)
        else:
            estimator.fit(batch.X)
        return estimator

    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        n = n_samples * n_candidates
        X = draw_samples(
            model, n, random_state=draw_seed(rng), temperature=self.temperature
        )
        return Synthesis(
            Batch(
                X=X,
                weight=np.full(n, self.synthetic_weight) if self.weighted else None,
                origin=np.full(n, generation, dtype=int),
            )
        )

    def verifier_arguments(self, batch):
        return (batch.X,)

    def fit_verifier(self, verifier):
        if not hasattr(verifier, "score_samples"):
            raise ValueError(
                "A verifier for a density loop must have score_samples (to score "
                f"synthetic samples); {type(verifier).__name__} has none. Pass a "
                "density estimator or a callable (X) -> scores."
            )
        return verifier.fit(self.real.X, None)

    def verifier_scores(self, verifier, batch):
        return np.asarray(verifier.score_samples(batch.X), dtype=float)

    def degenerate_reason(self, batch):
        X, weight = batch.X, batch.weight
        if weight is not None:
            X = X[weight > 0]
        if not np.all(np.isfinite(X)):
            return "the synthetic samples hold non-finite values"
        estimator = self.owner.estimator
        n_rows = X.shape[0]
        if isinstance(estimator, (GaussianMixture, BayesianGaussianMixture)):
            n_components = estimator.n_components
            if n_rows < max(2, n_components):
                return (
                    f"{n_rows} sample(s) for a mixture of {n_components} "
                    "component(s), which needs at least max(2, n_components)"
                )
            if isinstance(estimator, GaussianMixture):
                n_distinct = len(np.unique(X, axis=0))
                if n_distinct < n_components:
                    return (
                        f"{n_distinct} distinct sample(s) for {n_components} "
                        "mixture components: a component would have no points"
                    )
        elif isinstance(estimator, GaussianDensity):
            total = n_rows if weight is None else float(np.sum(weight))
            if total <= estimator.ddof:
                return (
                    f"a total sample weight of {total:g} for GaussianDensity with "
                    f"ddof={estimator.ddof}"
                )
        return None

    def measure(self, model, generation, train):
        wanted = set(self.metrics) | {self.diversity_key}
        record = {}
        if "log_likelihood_real" in wanted:
            record["log_likelihood_real"] = self._log_likelihood(model, self.real)
        if self.X_val is not None and "log_likelihood_validation" in wanted:
            record["log_likelihood_validation"] = self._log_likelihood(
                model, Batch(X=self.X_val, origin=None)
            )
        X = None if train is None else np.asarray(train.X, dtype=float)
        if "total_variance" in wanted:
            record["total_variance"] = (
                np.nan if X is None else _metrics.total_variance(X, train.weight)
            )
        if "mean_shift" in wanted:
            record["mean_shift"] = (
                np.nan
                if X is None
                else _metrics.norm(
                    _metrics.weighted_mean(X, train.weight) - self.real_mean
                )
            )
        if self.discrete:
            categories, p = probabilities(model)
            if "wasserstein" in wanted:
                record["wasserstein"] = _metrics.discrete_wasserstein(
                    (categories, p), self.real_tokens
                )
            summary = _metrics.discrete_summary(p)
            record.update({k: v for k, v in summary.items() if k in wanted})
        elif "wasserstein" in wanted:
            record["wasserstein"] = self._sliced_wasserstein(model, generation)
        return record

    # -- metrics ----------------------------------------------------------
    def _log_likelihood(self, model, batch):
        scores = np.asarray(model.score_samples(batch.X), dtype=float)
        if batch.weight is None:
            return float(np.mean(scores))
        positive = batch.weight > 0
        return float(np.average(scores[positive], weights=batch.weight[positive]))

    def _sliced_wasserstein(self, model, generation):
        """SW_1 between a seeded sample of the model and the real data."""
        rng = self.seeds.rng(generation, Stream.METRIC_SAMPLE)
        sample = np.asarray(
            draw_samples(model, self.n_model_samples, random_state=draw_seed(rng)),
            dtype=float,
        )
        distances = _metrics.wasserstein_1d(
            sample @ self.directions, self.real_projected, self.metric_weight
        )
        return float(np.mean(distances))
