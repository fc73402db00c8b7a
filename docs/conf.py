"""Sphinx configuration of the skcollapse documentation.

Build with ``pip install -e ".[docs]" && sphinx-build -b html docs docs/_build/html``;
sphinx-gallery runs every script of ``examples/`` and renders its figures.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import skcollapse  # noqa: E402

project = "skcollapse"
author = "The skcollapse developers"
copyright = "2026, The skcollapse developers"
release = skcollapse.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
# Validate every public docstring the build renders. Excluded, as in
# scikit-learn's own docstring test: RT02 (a single return is named, as in
# ``self : object``, to be referred to), and ES01, EX01, SA01 (extended
# summary, Examples, See Also), which a class or function has but which would
# be boilerplate on every method (fit, predict, score, ...).
numpydoc_validation_checks = {"all", "RT02", "ES01", "EX01", "SA01"}
# Private objects (a leading underscore anywhere in the dotted name).
numpydoc_validation_exclude = {r"\._"}
# Inherited metadata-routing methods (set_fit_request, ...) carry scikit-learn's
# own cross-references to its glossary and user guide, which are not ours.
suppress_warnings = ["ref.term", "ref.ref"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
}

html_theme = "pydata_sphinx_theme"
html_title = "skcollapse"
exclude_patterns = ["_build"]
