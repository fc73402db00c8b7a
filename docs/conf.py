"""Sphinx configuration of the skcollapse documentation.

Build with ``pip install -e ".[docs]" && sphinx-build -b html docs docs/_build/html``;
sphinx-gallery runs every script of ``examples/`` and renders its figures
(``-D plot_gallery=0`` skips them for a quick check). CI builds with ``-W
--keep-going``: any warning, a failing example included, fails the build.

Links to the documentation of scikit-learn, numpy, scipy, joblib and Dask
(intersphinx) need their inventories from the web: set
``SKCOLLAPSE_DOCS_INTERSPHINX=1`` to fetch them. They are off by default, so
that a machine that reaches only PyPI (the CI machine) builds without network
warnings; the references then render as plain text.
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
    "matplotlib.sphinxext.plot_directive",
]

# The figure of every user-guide page is a ``.. plot::`` directive: its code
# is shown above the figure it draws at build time (seconds per page), and
# tests/test_docs.py runs the same code.
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_pre_code = ""  # every figure's code imports what it uses

templates_path = ["_templates"]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# The class pages (docs/_templates/autosummary/class.rst) document the
# constructor once, in the class docstring: no separate __init__ entry.
autoclass_content = "class"
numpydoc_show_class_members = False
# Validate every public docstring the build renders. Excluded, as in
# scikit-learn's own docstring test: RT02 (a single return is named, as in
# ``self : object``, to be referred to), and ES01, EX01, SA01 (extended
# summary, Examples, See Also), which a class or function has but which would
# be boilerplate on every method (fit, predict, score, ...).
numpydoc_validation_checks = {"all", "RT02", "ES01", "EX01", "SA01"}
# Private objects (a leading underscore anywhere in the dotted name).
numpydoc_validation_exclude = {r"\._"}
# SS05 takes a summary's first word ending in "s" for a verb in the third
# person; "Bounds on ..." is a noun phrase (theory.categorical_collapse_bounds).
numpydoc_validation_overrides = {"SS05": [r"^Bounds on "]}
# Inherited metadata-routing methods (set_fit_request, ...) carry scikit-learn's
# own cross-references to its glossary and user guide, which are not ours.
suppress_warnings = ["ref.term", "ref.ref"]

if os.environ.get("SKCOLLAPSE_DOCS_INTERSPHINX", "0") not in ("", "0"):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
        "dask": ("https://docs.dask.org/en/stable", None),
        "distributed": ("https://distributed.dask.org/en/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
    }

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    # "Examples using this" on every API page (docs/_templates/autosummary).
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skcollapse",),
    "reference_url": {"skcollapse": None},
    # An example that raises fails the build, after every example has run (so
    # that one build reports them all).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # The last expression of a cell is shown as text, except the artists that
    # plotting calls return (``ax.legend()`` -> "<matplotlib.legend.Legend
    # object at 0x...>") and the displays.
    "ignore_repr_types": r"matplotlib\.|skcollapse\.plotting\.",
}

# Modules the examples import beyond the docs' own requirements: without one,
# an example would draw a placeholder instead of its figure (the Tale of Tails
# example's real-text panel needs wordfreq), so the build fails instead.
GALLERY_REQUIREMENTS = {
    "matplotlib": "matplotlib",
    "wordfreq": "wordfreq",
}

html_theme = "pydata_sphinx_theme"
html_title = f"skcollapse {release}"
exclude_patterns = ["_build", "_templates"]


def _check_gallery_requirements(app):
    """Warn (an error under ``-W``) when an example cannot draw its figure."""
    import importlib

    from sphinx.util import logging as sphinx_logging

    if str(app.config.plot_gallery).lower() in ("0", "false", "no", "off"):
        return
    logger = sphinx_logging.getLogger(__name__)
    for module, requirement in GALLERY_REQUIREMENTS.items():
        try:
            importlib.import_module(module)
        except ImportError:
            logger.warning(
                "The gallery needs %s, which is not installed: an example "
                "would draw a placeholder instead of its figure. Install "
                'it with `pip install -e ".[docs]"`.',
                requirement,
            )


def setup(app):
    app.connect("builder-inited", _check_gallery_requirements)
