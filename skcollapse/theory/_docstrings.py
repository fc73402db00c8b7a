"""Docstring texts that several theory functions share, written once.

A theory function whose docstring documents a parameter exactly as another
does (``n_generations``, ``n_features``, ``probabilities``) holds a
placeholder ``%(name)s`` alone on its line and is decorated with
:data:`fill_doc` (below ``@validate_params``, so that the wrapper copies the
filled text), or with :func:`fill_doc_citing` when its References section is
the placeholder ``%(references)s``: ``help()``, Sphinx and numpydoc see the
full text. A parameter that means something else in one function (``n_features`` of
:func:`~skcollapse.theory.gaussian_refit`, a dimension with a default) keeps
its own text.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

from .._docstrings import Substitution, references

__all__ = ["THEORY_DOCS", "fill_doc", "fill_doc_citing"]

THEORY_DOCS = {
    # Parameters
    "n_generations": """n_generations : int >= 0
    Number of synthetic generations after generation 0.""",
    "n_features": """n_features : int >= 1
    Input dimension ``d``.""",
    "probabilities": """probabilities : array-like of shape (n_categories,)
    The true distribution ``p`` (non-negative, sums to 1).""",
}

#: Decorator filling the placeholders of a theory function's docstring.
fill_doc = Substitution(**THEORY_DOCS)


def fill_doc_citing(*papers):
    """:data:`fill_doc`, and the References section ``%(references)s`` citing
    ``papers`` (keys of :data:`skcollapse._docstrings.PAPERS`), in order."""
    return Substitution(**THEORY_DOCS, references=references(*papers))
