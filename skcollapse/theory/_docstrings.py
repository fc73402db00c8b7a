"""Docstring texts that several theory functions share, written once.

A theory function whose docstring documents a parameter exactly as another
does (``n_generations``, ``n_features``, ``probabilities``), or cites the same
paper, holds a placeholder ``%(name)s`` alone on its line and is decorated
with :data:`fill_doc` (below ``@validate_params``, so that the wrapper copies
the filled text): ``help()``, Sphinx and numpydoc see the full text. A
parameter that means something else in one function (``n_features`` of
:func:`~skcollapse.theory.gaussian_refit`, a dimension with a default) keeps
its own text.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from .._docstrings import Substitution

__all__ = ["THEORY_DOCS", "fill_doc"]

THEORY_DOCS = {
    # Parameters
    "n_generations": """n_generations : int >= 0
    Number of synthetic generations after generation 0.""",
    "n_features": """n_features : int >= 1
    Input dimension ``d``.""",
    "probabilities": """probabilities : array-like of shape (n_categories,)
    The true distribution ``p`` (non-negative, sums to 1).""",
    # References sections of the papers cited by more than one function
    "seddik_references": """References
----------
.. [1] M. E. A. Seddik, S.-W. Chen, S. Hayou, P. Youssef and M. Debbah,
   "How Bad is Training on Synthetic Data? A Statistical Analysis of
   Language Model Collapse", COLM 2024, arXiv:2404.05090.""",
    "he_references": """References
----------
.. [1] H. He, S. Xu and G. Cheng, "Golden Ratio Weighting Prevents Model
   Collapse", arXiv:2502.18049, 2025.""",
}

#: Decorator filling the placeholders of a theory function's docstring.
fill_doc = Substitution(**THEORY_DOCS)
