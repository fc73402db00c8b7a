"""The protocol between the generation loop and a kind of learning problem.

:func:`skcollapse._loop.run_generations` is one loop for every meta-estimator.
What differs between regression, classification and density estimation (how a
model emits synthetic data, how it is fitted, what is measured) lives in a
*problem*: an instance of a subclass of :class:`Problem`, built by the
meta-estimator's ``fit`` from the validated real data. The loop reads nothing
of a problem but the members declared here, and a problem knows nothing of
the data regimes, the verifier's selection rule or the schedules.

Adding a third kind of problem (say, sequence models) is writing one subclass:
implement the abstract members, override the others where the defaults do
not fit, and call :func:`~skcollapse._loop.run_generations` from a
meta-estimator derived from :class:`~skcollapse._base.BaseRecursiveRetrainer`.
``tests/test_loop.py`` runs the loop on a toy problem of a few dozen lines.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._compat import _safe_indexing

__all__ = ["Batch", "InputError", "Problem", "Synthesis", "concat_batches"]


class InputError(ValueError):
    """Something the user passed is wrong, found while the loop runs.

    A problem raises it (rather than a plain ``ValueError``) when a user's
    callable or sampler returns what it must not, for example inputs of the
    wrong shape: the loop raises it in every generation, while a plain
    ``ValueError`` of a base estimator after generation 0 means that collapse
    made the data unusable and ends the loop as ``"degenerate"``.
    """


@dataclass
class Batch:
    """Rows of training data with their provenance.

    Attributes
    ----------
    X : array-like, sparse matrix or DataFrame
        Whatever the base estimator accepts.
    y : ndarray or None
        The targets (None for densities).
    weight : ndarray of shape (n_rows,) or None
        Sample weights (None: unweighted).
    origin : ndarray of shape (n_rows,) of int
        The generation that produced each row (0: real; ``g``: drawn from
        generation ``g - 1``'s model).
    y_reference : ndarray or None
        The real label of each synthetic row when the loop knows it (inputs
        reused from real rows), else None.
    """

    X: Any
    y: Any = None
    weight: Any = None
    origin: Any = None
    y_reference: Any = None

    def __len__(self):
        return len(self.origin)

    def take(self, indices):
        """The rows at ``indices``, provenance kept."""
        return Batch(
            # plain numpy indexing where it is the same, as it is much cheaper
            X=(
                self.X[indices]
                if type(self.X) is np.ndarray
                else _safe_indexing(self.X, indices)
            ),
            y=None if self.y is None else self.y[indices],
            weight=None if self.weight is None else self.weight[indices],
            origin=self.origin[indices],
            y_reference=None if self.y_reference is None else self.y_reference[indices],
        )


def concat_batches(batches):
    """Stack batches row-wise; a batch of one non-empty part is returned as it is."""
    batches = [b for b in batches if len(b) > 0]
    if len(batches) == 1:
        return batches[0]
    if not batches:
        raise ValueError("concat_batches needs at least one non-empty batch")
    weights = [b.weight for b in batches]
    if all(w is None for w in weights):
        weight = None
    else:
        weight = np.concatenate(
            [np.ones(len(b)) if b.weight is None else b.weight for b in batches]
        )
    references = [b.y_reference for b in batches]
    return Batch(
        X=_concat_rows([b.X for b in batches]),
        y=None if batches[0].y is None else np.concatenate([b.y for b in batches]),
        weight=weight,
        origin=np.concatenate([b.origin for b in batches]),
        y_reference=(
            None if any(r is None for r in references) else np.concatenate(references)
        ),
    )


def _concat_rows(blocks):
    """Row-wise concatenation of ndarray, sparse or pandas blocks."""
    first = blocks[0]
    if hasattr(first, "iloc"):
        import pandas as pd

        frames = [
            b if hasattr(b, "iloc") else pd.DataFrame(b, columns=first.columns)
            for b in blocks
        ]
        return pd.concat(frames, ignore_index=True)
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack(blocks, format="csr")
    return np.concatenate([np.asarray(b) for b in blocks], axis=0)


@dataclass
class Synthesis:
    """One generation's synthetic rows and what was measured drawing them.

    Attributes
    ----------
    batch : Batch
        The synthetic rows, with ``origin`` set to the generation.
    record : dict
        Trajectory entries measured while drawing (for example
        ``{"label_noise_scale": 0.3}``); its keys are the problem's
        :attr:`Problem.synthesis_keys`.
    """

    batch: Batch
    record: dict = field(default_factory=dict)


class Problem(ABC):
    """What the generation loop needs to know of one kind of learning problem.

    A subclass sets :attr:`real` in its ``__init__`` and implements the
    abstract methods. The loop calls, in each generation ``g >= 1``:
    :meth:`synthesize` (from generation ``g - 1``'s model), the verifier
    through :meth:`verifier_arguments` or :meth:`verifier_scores`,
    :meth:`label_error` on the synthetic labels, :meth:`degenerate_reason`
    on the composed training set, :meth:`fit` on a fresh clone, and
    :meth:`measure` on the fitted model; in generation 0, :meth:`fit` and
    :meth:`measure` on the real data, and :meth:`fit_verifier` once. Rows
    that a user's object produces (fresh real rows of ``real_source``, the
    output of ``correction``, which receives :meth:`verifier_arguments`)
    are checked against :attr:`real` and :attr:`classes`.

    Errors: in a generation ``g >= 1``, a ``ValueError``, ``ArithmeticError``
    or ``LinAlgError`` raised by :meth:`synthesize`, :meth:`fit` or
    :meth:`measure` (a base estimator failing on data that collapse made
    degenerate: one class left, zero variance) ends the loop as
    ``"degenerate"`` with a :class:`~skcollapse.CollapseWarning`, keeping
    generation ``g - 1``. Raise :class:`InputError` for a mistake of the
    user's (it is raised in every generation); errors of generation 0 are
    raised.
    """

    #: A :class:`Batch` of the real training rows (``origin`` 0), the same
    #: object in every generation; set by ``__init__``.
    real: Batch

    #: The trajectory key whose fall defines collapse
    #: (``collapse_generation_``); :meth:`measure` must record it.
    diversity_key: str

    #: The keys of :attr:`Synthesis.record`; the loop records them as NaN in
    #: generation 0, which draws nothing.
    synthesis_keys: tuple = ()

    #: The labels a row may take (a classifier's classes, an ndarray), or
    #: None (any target: a regressor; no target: a density). The loop checks
    #: the rows a user's object produces (fresh real rows of ``real_source``,
    #: the output of ``correction``) against it and against :attr:`real`
    #: (:func:`~skcollapse._loop.check_rows`).
    classes: Any = None

    @abstractmethod
    def fit(self, estimator, batch):
        """Fit ``estimator`` on ``batch`` and return the fitted estimator.

        Parameters
        ----------
        estimator : estimator
            A fresh clone of the base estimator (or, with ``fine_tune``, a
            copy of the previous generation), seeded and with the
            generation's scheduled hyper-parameters set.
        batch : Batch
            The generation's training set.

        Returns
        -------
        estimator : estimator
            The fitted estimator.
        """

    @abstractmethod
    def synthesize(self, model, n_samples, rng, *, generation, n_candidates):
        """Draw a generation's synthetic rows from ``model``.

        Parameters
        ----------
        model : estimator
            The fitted model of generation ``generation - 1``.
        n_samples : int
            Synthetic rows (slots) asked for.
        rng : numpy.random.Generator
            The synthesis stream; every random draw of the batch comes from it.
        generation : int
            The generation the rows are for (their ``origin``).
        n_candidates : int
            Candidates per slot; the batch holds ``n_samples * n_candidates``
            rows, the candidates of one slot on consecutive rows.

        Returns
        -------
        synthesis : Synthesis
            The batch and the entries measured while drawing it.
        """

    @abstractmethod
    def measure(self, model, generation, train):
        """The trajectory entries of one generation's model.

        Parameters
        ----------
        model : estimator
            The generation's fitted model (the previous one when a generation
            is left without training data).
        generation : int
            The generation.
        train : Batch or None
            Its training set; None when the generation had no training data
            and ``model`` is the previous generation's.

        Returns
        -------
        record : dict
            ``{key: number}``; must include :attr:`diversity_key`.
        """

    @abstractmethod
    def fit_verifier(self, verifier):
        """Check and fit a verifier estimator on the real data (generation 0).

        Parameters
        ----------
        verifier : estimator
            A clone of the user's verifier, seeded by the fit.

        Returns
        -------
        verifier : estimator
            The fitted verifier, passed to :meth:`verifier_scores`.
        """

    @abstractmethod
    def verifier_scores(self, verifier, batch):
        """Scores of a fitted verifier estimator for the rows of ``batch``.

        Parameters
        ----------
        verifier : estimator
            The verifier returned by :meth:`fit_verifier`.
        batch : Batch
            Synthetic rows.

        Returns
        -------
        scores : ndarray of shape (len(batch),)
            Higher is better.
        """

    def verifier_arguments(self, batch):
        """The arguments a callable verifier receives, most important first.

        A callable that takes one positional argument receives only the first.

        Parameters
        ----------
        batch : Batch
            Synthetic rows.

        Returns
        -------
        arguments : tuple
            ``(batch.X, batch.y)`` by default.
        """
        return (batch.X, batch.y)

    def label_error(self, y, y_reference):
        """Error of synthetic labels against the real labels of their inputs.

        Called only for batches with ``y_reference``; it gives the
        ``"synthetic_error"`` and ``"selected_error"`` entries.

        Parameters
        ----------
        y : ndarray
            Synthetic labels.
        y_reference : ndarray
            The real labels of the same inputs.

        Returns
        -------
        error : float
            NaN by default.
        """
        return np.nan

    def degenerate_reason(self, batch):
        """Why ``batch`` cannot be fitted, or None (the default) if it can.

        Checked on each composed training set of a generation ``g >= 1``
        before fitting; a reason ends the loop as ``"degenerate"``.

        Parameters
        ----------
        batch : Batch
            The generation's training set.

        Returns
        -------
        reason : str or None
        """
        return None
