"""Docstring texts shared by the two meta-estimators, and the helper that fills them.

:class:`~skcollapse.RecursiveRetrainer` and
:class:`~skcollapse.RecursiveDensityRetrainer` run the same loop, so most of
their parameters mean exactly the same thing. Each shared parameter is written
once here, as a numpydoc entry; a class docstring holds a placeholder
``%(name)s``, alone on its line, where the entry goes, and the
:class:`Substitution` decorator fills it in at import time (the pattern of
imbalanced-learn's ``Substitution``): ``help()``, Sphinx and numpydoc see the
full text.

Where the two classes really differ in what a parameter does (``estimator``,
``synthetic_weight``, ``temperature``, ``verifier``, ``collapse_threshold``,
and the supervised-only ``inputs`` and ``label_noise``), each class keeps its
own text. Where a shared text names something that exists on one side only (a
trajectory key, a staged method), it holds a ``${field}`` filled per kind from
:data:`_FIELDS`. The fitted attributes that mean the same in both classes are
shared the same way (:data:`SHARED_ATTRIBUTES`).

The papers the docstrings cite are written once too (:data:`PAPERS`): a
docstring's References section is the placeholder ``%(references)s``, filled
with :func:`references`.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import string
import textwrap

__all__ = [
    "PAPERS",
    "SHARED_ATTRIBUTES",
    "SHARED_PARAMETERS",
    "Substitution",
    "references",
    "sample_parameters",
    "shared_attributes",
    "shared_parameters",
]

# Width of a filled description line, without its 8 spaces of indentation in
# a class docstring: the width of the hand-written entries around it.
_WIDTH = 70

# A placeholder alone on its line, with the indentation it is written at.
_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.M)

# One numpydoc entry per shared parameter: "name : type" then the
# description (one paragraph, re-wrapped when filled).
SHARED_PARAMETERS = {
    "n_generations": (
        "int, default=10",
        """Synthetic refits after generation 0. ``0`` is a plain fit.""",
    ),
    "data": (
        '{"replace", "accumulate", "accumulate-subsample"}, default="replace"',
        """The data regime. ``"replace"``: each generation trains on the real
        part plus the synthetic data of this generation only.
        ``"accumulate"``: the real part plus the synthetic data of every
        generation so far (Gerstgrasser et al., 2024).
        ``"accumulate-subsample"``: accumulate, then a uniform subsample
        (without replacement) to the size of generation 0's training set.""",
    ),
    "real_fraction": (
        "float in [0, 1] or None, default=None",
        """Share of the real training rows kept in each generation's training
        set: ``0`` is the fully synthetic loop, ``1`` keeps all real rows and
        adds the synthetic ones (the "synthetic augmentation" loop of
        Alemohammad et al., the "partially synthetic" one of Seddik et al.).
        ``None`` means ``0`` under ``"replace"`` and ``1`` under the
        accumulate regimes. The number of real rows kept is
        ``real_fraction * n_real`` rounded to the nearest integer, halves up
        (0.25 of 10 rows keeps 3), and at least 1 for a positive
        ``real_fraction``.""",
    ),
    "real_sampling": (
        '{"fixed", "resample", "fresh"}, default="fixed"',
        """``"fixed"``: the same real rows every generation (a random subset
        chosen once when ``real_fraction < 1``). ``"resample"``: a new subset
        of the real pool every generation. ``"fresh"``: every generation
        ``g >= 1`` draws its real part anew from ``real_source`` (the
        *fresh data loop* of Alemohammad et al.; with ``synthetic_weight``
        the weighted loop of arXiv 2502.18049), as many rows as the real part
        has (``real_fraction * n_real``, rounded as ``real_fraction``);
        generation 0 is fitted on the data passed to ``fit``. Under every
        data regime the fresh rows replace the previous generation's real
        part (only synthetic data accumulates), weigh the mean real weight
        when ``sample_weight`` is given, and have origin 0 in
        ``sample_generation_``. ${fresh_reference}""",
    ),
    "real_source": (
        "object with ``sample``, callable or None, default=None",
        """Where ``real_sampling="fresh"`` draws real data: an object whose
        ``sample(n_samples, random_state)`` returns ${source_returns} (a
        source of :mod:`skcollapse.datasets`), or a callable
        ``(n_samples, random_state) -> ${source_returns_short}``; it receives
        the integer seed of the generation's own random stream, so fits are
        reproducible. What it returns must match the data passed to ``fit``
        (number of features; ${source_check}); a mismatch is an error naming
        ``real_source``. Required by ``real_sampling="fresh"`` and refused
        otherwise.""",
    ),
    "accumulate_window": (
        "int >= 1 or None, default=None",
        """With ``data="accumulate"``, keep the synthetic data of the last
        ``accumulate_window`` generations only (the "most recent K models"
        pool of Seddik et al.: generation ``g`` trains on the real part and
        the synthetic batches of generations ``max(1, g - K + 1) .. g``).
        ``1`` is ``data="replace"`` with the same real part; a window of at
        least ``n_generations`` is plain accumulate. None keeps every
        generation. Refused with another data regime
        (``"accumulate-subsample"`` is the random pool over all
        generations).""",
    ),
    "correction": (
        "callable or None, default=None",
        """Applied to each generation's synthetic batch before verification
        (the self-correcting loops of Gillman et al., 2024, which map samples
        towards a target): ``${correction_signature}``, called on copies (it
        may write into them), with ${correction_rows}. It must return as
        many rows, of the same shape${correction_check}; anything else is an
        error naming ``correction``.${correction_reference}""",
    ),
    "stop_on_collapse": (
        "bool, default=False",
        """End the loop at ``collapse_generation_`` (the first generation
        whose ${diversity_key} is at or below ``collapse_threshold`` times
        generation 0's), with ``termination_condition_ == "collapsed"``:
        that generation is fitted and recorded, none after it, and
        ``n_generations`` is the cap. With ``collapse_threshold=0`` the loop
        runs until absorption (${absorbed}).""",
    ),
    "synthetic_size": (
        "int or float, default=1.0",
        """Synthetic samples drawn per generation: an int is a count, a float
        a multiple of the number of real training rows (rounded as
        ``real_fraction``, at least 1).""",
    ),
    "metrics": (
        '{"default", "all"} or list of str, default="default"',
        """Which measurements of each generation's model ``trajectory_``
        records, besides the counts (``"generation"``, ``"n_train"``,
        ``"n_real"``, ``"n_synthetic"``, ``"n_rejected"``), the synthesis and
        verification entries, and the diversity key ${diversity_key},
        which are always recorded. ``"default"``: ${metrics_default};
        ``"all"``: ${metrics_all}; or a list of those names. A validation
        key is recorded only with ``validation_fraction``.""",
    ),
    "keep_fraction": (
        "float in (0, 1] or None, default=None",
        """Keep the best-scored ``ceil(keep_fraction * n)`` synthetic
        samples.""",
    ),
    "threshold": (
        "float or None, default=None",
        """Keep the synthetic samples scored at least ``threshold``.""",
    ),
    "n_candidates": (
        "int, default=1",
        """Candidate ${candidates} drawn per synthetic ${candidate_slot}; the
        verifier keeps the best-scored one ("best of k"), before
        ``keep_fraction``/``threshold``.""",
    ),
    "regularization": (
        "None, dict or callable, default=None",
        """Per-generation hyper-parameters of the base estimator (for example
        ${regularization_example}): a dict ``{param: schedule}`` where a
        schedule is a callable ``(generation, n_train) -> value`` (such as
        :func:`~skcollapse.regularization.linear_schedule`) or a constant, or
        a callable ``context -> {param: value}`` (such as
        :class:`~skcollapse.regularization.AdaptiveRegularization`) receiving
        the :class:`~skcollapse.regularization.GenerationContext` of the
        generation about to be fitted. The values appear in ``trajectory_``
        as ``"param_<name>"``.""",
    ),
    "validation_fraction": (
        "float in (0, 1) or None, default=None",
        """Share of the real data held out from every generation and used only
        for ``trajectory_["${validation_key}"]``.""",
    ),
    "fine_tune": (
        "bool, default=False",
        """Start each generation from a copy of the previous one through the
        base estimator's ``warm_start`` (${warm_start_example}) instead of
        from scratch. A base estimator without a ``warm_start`` parameter is
        refused. A warm-started ensemble adds members only up to its count,
        so fine-tuning grows it: the count (``n_estimators`` of forests,
        bagging and gradient boosting, ``max_iter`` of the histogram gradient
        boosting estimators) is raised by the base's own count in every
        generation, so that generation ``g`` holds ``g + 1`` times the base's
        members, the first ones those of generation ``g - 1`` (a
        ``regularization`` schedule of the count wins). Steps without
        ``warm_start`` (a scaler in a pipeline) are refitted.""",
    ),
    "store_estimators": (
        "bool, default=True",
        """Keep every generation's fitted estimator in ``estimators_``. With
        ``False`` only the last is kept (the others are ``None``) and the
        staged methods (${staged_methods}) are unavailable.""",
    ),
    "random_state": (
        "int, RandomState instance or None, default=None",
        """Seeds every random draw of a fit (${random_draws}, and the
        ``random_state`` parameters of every generation's clone) through
        integer seeds. Pass an int for reproducible fits.""",
    ),
    "verbose": (
        "int, default=0",
        """Progress of the fit when positive: a bar over the generations
        when tqdm is installed and the output is a terminal or a notebook,
        else one line per generation with its record.""",
    ),
}

# Fitted attributes that mean the same in both classes, as numpydoc entries
# (``trajectory_`` and ``termination_condition_`` differ: each class keeps
# its own text).
SHARED_ATTRIBUTES = {
    "estimator_": ("estimator", "The last fitted generation."),
    "estimators_": (
        "list of estimators",
        "Every generation's fitted estimator; index = generation.",
    ),
    "n_generations_": ("int", "Generations completed after generation 0."),
    "collapse_generation_": (
        "int or None",
        """First generation whose diversity is at or below
        ``collapse_threshold`` of generation 0's (0 when generation 0's is 0),
        or None.""",
    ),
    "sample_generation_": (
        "ndarray of shape (n_train,)",
        """Provenance of each row of the last training set: 0 real, ``g``
        synthetic, drawn from generation ``g - 1``.""",
    ),
    "n_features_in_": ("int", "Number of features seen during fit."),
    "feature_names_in_": (
        "ndarray of shape (`n_features_in_`,)",
        "Names of features seen during fit, when X has string column names.",
    ),
}

# What the shared texts name that exists on one side only.
_FIELDS = {
    "supervised": {
        "metrics_default": "every metric (all are cheap)",
        "metrics_all": (
            '``"score_real"``, ``"score_validation"``, ``"prediction_std"``, '
            '``"drift"`` and, for classifiers, ``"n_classes_train"``'
        ),
        "diversity_key": '``"prediction_std"``',
        "candidates": "labels",
        "candidate_slot": "input",
        "regularization_example": '``{"alpha": schedule}`` for a ridge',
        "validation_key": "score_validation",
        "warm_start_example": "for example ``SGDRegressor``, ``MLPClassifier``",
        "staged_methods": ":meth:`staged_predict`, :meth:`staged_predict_proba`",
        "random_draws": "synthetic inputs and labels, real subsets, verification",
        "fresh_reference": (
            "The trajectory's metrics on the real data (``score_real``, "
            "``prediction_std``, ``drift``) and the validation split stay those "
            "of the data passed to ``fit``, the same yardstick for every "
            'generation; ``inputs="reuse"`` reuses the inputs passed to ``fit``.'
        ),
        "source_returns": "``(X, y)``",
        "source_returns_short": "(X, y)",
        "source_check": (
            "a regressor's targets finite numbers of the same number of outputs, "
            "a classifier's labels among the classes of the real data; inputs "
            "finite numbers, NaN only for a base that takes it"
        ),
        "correction_signature": "correction(X, y) -> (X, y)",
        "correction_rows": (
            "the synthetic inputs and labels (with ``n_candidates > 1``, every "
            "candidate)"
        ),
        "correction_check": (
            ", finite inputs and targets for a regressor, labels among the real "
            "classes for a classifier"
        ),
        "correction_reference": (
            " The rows keep their weights; when the inputs come back unchanged "
            'the ``"synthetic_error"`` of the labels is measured after the '
            "correction, else it is not recorded (moved inputs have no real label)."
        ),
        "absorbed": "constant predictions",
    },
    "density": {
        "metrics_default": 'every metric but ``"wasserstein"``',
        "metrics_all": (
            '``"log_likelihood_real"``, ``"log_likelihood_validation"``, '
            '``"total_variance"``, ``"mean_shift"``, ``"wasserstein"`` and, for '
            'discrete models, ``"support_size"``, ``"entropy"``, ``"collision"``'
        ),
        "diversity_key": ('``"total_variance"`` (``"entropy"`` for discrete models)'),
        "candidates": "samples",
        "candidate_slot": "sample",
        "regularization_example": (
            '``{"bandwidth": schedule}`` or ``{"reg_covar": schedule}``'
        ),
        "validation_key": "log_likelihood_validation",
        "warm_start_example": "the Gaussian mixtures",
        "staged_methods": ":meth:`staged_score_samples`",
        "random_draws": (
            "synthetic samples, real subsets, verification, the samples of the "
            "Wasserstein metric"
        ),
        "fresh_reference": (
            "The trajectory's metrics on the real data (``log_likelihood_real``, "
            "``mean_shift``, ``wasserstein``) and the validation split stay those "
            "of the data passed to ``fit``, the same yardstick for every "
            "generation."
        ),
        "source_returns": "``X``",
        "source_returns_short": "X",
        "source_check": "finite numbers",
        "correction_signature": "correction(X) -> X",
        "correction_rows": (
            "the synthetic samples (with ``n_candidates > 1``, every candidate)"
        ),
        "correction_check": " and finite",
        "correction_reference": " The samples keep their weights.",
        "absorbed": (
            "a Dirac mass: one token left for ``CategoricalDensity``, whose "
            "stopping generation is then the absorption time of Seddik et al."
        ),
    },
}


def _fill(text, fields):
    """Fill the ``${field}`` placeholders of a text and re-wrap it."""
    text = string.Template(text).substitute(fields)
    return textwrap.fill(
        " ".join(text.split()),
        width=_WIDTH,
        break_long_words=False,
        break_on_hyphens=False,
    )


def shared_parameters(kind):
    """Rendered entries of the shared parameters for one kind of meta-estimator.

    Parameters
    ----------
    kind : {"supervised", "density"}
        ``"supervised"`` for :class:`~skcollapse.RecursiveRetrainer`,
        ``"density"`` for :class:`~skcollapse.RecursiveDensityRetrainer`.

    Returns
    -------
    entries : dict of str
        ``{name: entry}``, where ``entry`` is the numpydoc entry of the
        parameter: ``"name : type"``, then the description indented by 4
        spaces (relative to the name, wherever :class:`Substitution` puts
        it).
    """
    fields = _FIELDS[kind]
    return {
        name: f"{name} : {type_}\n"
        + textwrap.indent(_fill(description, fields), " " * 4)
        for name, (type_, description) in SHARED_PARAMETERS.items()
    }


def shared_attributes():
    """Rendered entries of the fitted attributes shared by both meta-estimators.

    Returns
    -------
    entries : dict of str
        ``{name: entry}``, numpydoc entries as :func:`shared_parameters`
        renders them.
    """
    return {
        name: f"{name} : {type_}\n" + textwrap.indent(_fill(description, {}), " " * 4)
        for name, (type_, description) in SHARED_ATTRIBUTES.items()
    }


def sample_parameters(what="samples"):
    """The ``n_samples`` and ``random_state`` entries of a density's ``sample``.

    Every density of the package (``skcollapse.generative`` and
    :class:`~skcollapse.RecursiveDensityRetrainer`) samples with the
    signature ``sample(n_samples=1, random_state=None)``: its two parameters
    are documented here once.

    Parameters
    ----------
    what : str, default="samples"
        What the method draws (``"tokens"``, ``"sequences"``).

    Returns
    -------
    entries : str
        The two numpydoc entries, for a ``%(sample_parameters)s`` placeholder.
    """
    return (
        "n_samples : int, default=1\n"
        f"    Number of {what} to draw (0 gives an empty array).\n"
        "\n"
        "random_state : int, RandomState instance or None, default=None\n"
        "    Seed or generator of the draw. Pass an int for reproducible\n"
        "    samples."
    )


# Every paper a docstring cites, by key: the citation of its References entry.
PAPERS = {
    "alemohammad2024": """S. Alemohammad, J. Casco-Rodriguez, L. Luzi, A. I. Humayun,
        H. Babaei, D. LeJeune, A. Siahkoohi and R. G. Baraniuk, "Self-Consuming
        Generative Models Go MAD", ICLR 2024, arXiv:2307.01850.""",
    "dohmatob2024regression": """E. Dohmatob, Y. Feng and J. Kempe, "Model Collapse
        Demystified: The Case of Regression", NeurIPS 2024, arXiv:2402.07712.""",
    "dohmatob2024tails": """E. Dohmatob, Y. Feng, P. Yang, F. Charton and J. Kempe,
        "A Tale of Tails: Model Collapse as a Change of Scaling Laws", ICML 2024,
        arXiv:2402.07043.""",
    "dohmatob2025strong": """E. Dohmatob, Y. Feng, A. Subramonian and J. Kempe,
        "Strong Model Collapse", ICLR 2025, arXiv:2410.04840.""",
    "dumitriu2002": """I. Dumitriu and A. Edelman, "Matrix models for beta
        ensembles", Journal of Mathematical Physics 43, 5830, 2002.""",
    "feng2024": """Y. Feng, E. Dohmatob, P. Yang, F. Charton and J. Kempe, "Beyond
        Model Collapse: Scaling Up with Synthesized Data Requires Verification",
        2024.""",
    "gerstgrasser2024": """M. Gerstgrasser, R. Schaeffer, A. Dey, R. Rafailov,
        H. Sleight, J. Hughes, T. Korbak, R. Agrawal, D. Pai, A. Gromov,
        D. A. Roberts, D. Yang, D. L. Donoho and S. Koyejo, "Is Model Collapse
        Inevitable? Breaking the Curse of Recursion by Accumulating Real and
        Synthetic Data", arXiv:2404.01413, 2024.""",
    "he2025": """H. He, S. Xu and G. Cheng, "Golden Ratio Weighting Prevents
        Model Collapse", arXiv:2502.18049, 2025.""",
    "seddik2024": """M. E. A. Seddik, S.-W. Chen, S. Hayou, P. Youssef and
        M. Debbah, "How Bad is Training on Synthetic Data? A Statistical
        Analysis of Language Model Collapse", COLM 2024, arXiv:2404.05090.""",
    "shumailov2024": """I. Shumailov, Z. Shumaylov, Y. Zhao, N. Papernot,
        R. Anderson and Y. Gal, "AI models collapse when trained on recursively
        generated data", Nature 631, 755-759, 2024.""",
    "speer2022": """R. Speer, "rspeer/wordfreq: v3.0", Zenodo, 2022.
        https://doi.org/10.5281/zenodo.7199437""",
}


def references(*papers):
    """The References section of a docstring citing ``papers``, in order.

    Parameters
    ----------
    *papers : str
        Keys of :data:`PAPERS`; the first is ``[1]``, the next ``[2]``, as the
        citations ``[1]_`` in the docstring's text number them.

    Returns
    -------
    section : str
        The numpydoc section, header included, for a ``%(references)s``
        placeholder (:class:`Substitution` indents it).

    Examples
    --------
    >>> from skcollapse._docstrings import references
    >>> print(references("he2025"))
    References
    ----------
    .. [1] H. He, S. Xu and G. Cheng, "Golden Ratio Weighting Prevents Model
       Collapse", arXiv:2502.18049, 2025.
    """
    entries = [
        textwrap.fill(
            " ".join(PAPERS[paper].split()),
            width=_WIDTH + 4,
            initial_indent=f".. [{number}] ",
            subsequent_indent=" " * 3,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for number, paper in enumerate(papers, start=1)
    ]
    return "\n".join(["References", "----------", *entries])


class Substitution:
    """Decorator filling the ``%(name)s`` placeholders of a docstring.

    A placeholder stands alone on its line; every line of its text is
    indented as the placeholder is, so that the filled docstring is right
    whether the compiler keeps the source indentation of docstrings or strips
    it (Python 3.13).

    Parameters
    ----------
    **params : dict of str
        The texts to substitute, by placeholder name.

    Examples
    --------
    >>> import inspect
    >>> from skcollapse._docstrings import Substitution
    >>> @Substitution(answer="answer : int\\n    Forty-two.")
    ... def f():
    ...     '''Say it.
    ...
    ...     Returns
    ...     -------
    ...     %(answer)s
    ...     '''
    >>> print(inspect.cleandoc(f.__doc__))
    Say it.
    <BLANKLINE>
    Returns
    -------
    answer : int
        Forty-two.
    """

    def __init__(self, **params):
        self.params = params

    def __call__(self, obj):
        """Fill the docstring of ``obj`` and return ``obj``.

        Parameters
        ----------
        obj : class or function
            The object whose docstring holds the placeholders.

        Returns
        -------
        obj : class or function
            The same object, with its docstring filled (untouched when
            docstrings are stripped, as under ``python -OO``).
        """
        if obj.__doc__ is None:
            return obj
        names = {match["name"] for match in _PLACEHOLDER.finditer(obj.__doc__)}
        if names - set(self.params):
            raise KeyError(
                f"The docstring of {obj.__qualname__} has placeholders without a "
                f"text: {sorted(names - set(self.params))}."
            )
        doc = _PLACEHOLDER.sub(
            lambda match: textwrap.indent(self.params[match["name"]], match["indent"]),
            obj.__doc__,
        )
        if re.search(r"%\(\w+\)s", doc):
            raise ValueError(
                f"The docstring of {obj.__qualname__} has a placeholder that is not "
                "alone on its line."
            )
        obj.__doc__ = doc
        return obj
