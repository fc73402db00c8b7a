"""Docstrings: shared parameter texts, user-guide links, numpydoc structure."""

import inspect
import re
from pathlib import Path

import pytest

import skcollapse
from skcollapse import RecursiveDensityRetrainer, RecursiveRetrainer
from skcollapse._docstrings import (
    PAPERS,
    SHARED_ATTRIBUTES,
    SHARED_PARAMETERS,
    shared_attributes,
    shared_parameters,
)

META_ESTIMATORS = {
    "supervised": RecursiveRetrainer,
    "density": RecursiveDensityRetrainer,
}

# Parameters of both meta-estimators that do different things in each, so
# each class keeps its own text. Every other common parameter is shared.
DISTINCT_PARAMETERS = {
    "estimator",
    "synthetic_weight",
    "temperature",
    "verifier",
    "collapse_threshold",
}

# Fitted attributes of both meta-estimators that each class documents in its
# own words. Every other common attribute is shared.
DISTINCT_ATTRIBUTES = {"trajectory_", "termination_condition_"}

PACKAGE = Path(skcollapse.__file__).parent
DOCS = PACKAGE.parent / "docs"

# Files that still point at documents outside the project, with their owner's
# pending change. Remove an entry once the file is fixed (the test then
# passes, and the strict xfail reports it).
POINTS_OUTSIDE = {}


def _parameters(cls):
    """``{name: (type, description)}`` of the Parameters section of a class.

    The description is whitespace-normalised, so that only wording counts.
    """
    doc = inspect.cleandoc(cls.__doc__)
    section = re.search(r"^Parameters\n-+\n(.*?)(?=^\S[^\n]*\n-+\n)", doc, re.M | re.S)
    assert section, f"{cls.__name__} has no Parameters section"
    entries = re.split(r"^(?=\S)", section.group(1), flags=re.M)
    parameters = {}
    for entry in filter(str.strip, entries):
        head, _, description = entry.partition("\n")
        name, _, type_ = head.partition(" : ")
        parameters[name.strip()] = (
            " ".join(type_.split()),
            " ".join(description.split()),
        )
    return parameters


def _shared_entry(kind, name):
    head, _, description = shared_parameters(kind)[name].partition("\n")
    return " ".join(head.partition(" : ")[2].split()), " ".join(description.split())


def test_every_common_parameter_is_shared_or_declared_distinct():
    """A parameter both classes take has one text, or is listed as distinct."""
    common = set(inspect.signature(RecursiveRetrainer).parameters) & set(
        inspect.signature(RecursiveDensityRetrainer).parameters
    )
    assert common - DISTINCT_PARAMETERS == set(SHARED_PARAMETERS)
    assert not DISTINCT_PARAMETERS & set(SHARED_PARAMETERS)


def _attributes(cls):
    """``{name: entry}`` of the Attributes section of a class, as written."""
    doc = inspect.cleandoc(cls.__doc__)
    section = re.search(r"^Attributes\n-+\n(.*?)(?=^\S[^\n]*\n-+\n)", doc, re.M | re.S)
    assert section, f"{cls.__name__} has no Attributes section"
    entries = filter(str.strip, re.split(r"^(?=\S)", section.group(1), flags=re.M))
    return {entry.partition(" : ")[0]: entry.strip() for entry in entries}


def test_every_common_attribute_is_shared_or_declared_distinct():
    """An attribute both classes document has one text, or is listed as distinct."""
    supervised = _attributes(RecursiveRetrainer)
    density = _attributes(RecursiveDensityRetrainer)
    common = set(supervised) & set(density)
    assert common - DISTINCT_ATTRIBUTES == set(SHARED_ATTRIBUTES)
    for name, entry in shared_attributes().items():
        assert supervised[name] == density[name] == entry, name


@pytest.mark.parametrize("kind", META_ESTIMATORS)
@pytest.mark.parametrize("name", SHARED_PARAMETERS)
def test_shared_parameter_text(kind, name):
    """Both classes document a shared parameter with the one shared text."""
    cls = META_ESTIMATORS[kind]
    documented = _parameters(cls)
    assert name in documented, f"{cls.__name__} does not document {name}"
    assert documented[name] == _shared_entry(kind, name), (
        f"The docstring of {cls.__name__} has its own text for {name!r}; use the "
        f"shared one (the %({name})s placeholder, filled from "
        "skcollapse/_docstrings.py), or declare the parameter distinct."
    )


@pytest.mark.parametrize("name", SHARED_PARAMETERS)
def test_shared_parameter_same_type_in_both_classes(name):
    supervised = _parameters(RecursiveRetrainer)[name]
    density = _parameters(RecursiveDensityRetrainer)[name]
    assert supervised[0] == density[0]


@pytest.mark.parametrize("cls", META_ESTIMATORS.values(), ids=lambda c: c.__name__)
def test_parameters_documented_in_signature_order(cls):
    """Every parameter is documented, once, in the order of ``__init__``."""
    assert list(_parameters(cls)) == list(inspect.signature(cls).parameters)


@pytest.mark.parametrize("cls", META_ESTIMATORS.values(), ids=lambda c: c.__name__)
def test_rendered_docstring_is_complete(cls):
    """``help()`` shows the full texts: no placeholder is left."""
    assert "%(" not in cls.__doc__
    assert "${" not in cls.__doc__
    for name, (type_, description) in _parameters(cls).items():
        assert type_ and description, f"{cls.__name__}.{name} lacks a type or text"


@pytest.mark.parametrize("cls", META_ESTIMATORS.values(), ids=lambda c: c.__name__)
def test_numpydoc_parses_the_meta_estimators(cls):
    """numpydoc finds the whole signature in the rendered docstring."""
    validate = pytest.importorskip("numpydoc.validate")
    name = f"skcollapse.{cls.__name__}"
    errors = [
        (code, message)
        for code, message in validate.validate(name)["errors"]
        if code.startswith(("GL", "PR", "SS"))
    ]
    assert not errors


def _source_files():
    return sorted(
        path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
    )


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            path,
            marks=pytest.mark.xfail(reason=POINTS_OUTSIDE[path], strict=True),
        )
        if path in POINTS_OUTSIDE
        else path
        for path in _source_files()
    ],
)
def test_no_pointer_outside_the_project(path):
    """Docstrings link the user guide, not files that users do not have."""
    text = (PACKAGE / path).read_text(encoding="utf-8")
    for outside in ("DESIGN.md", "PAPERS.md", "in the README"):
        assert outside not in text, f"{path} points at {outside}"


def test_user_guide_links_resolve():
    """Every ``:ref:`` of a docstring names a label of the documentation."""
    if not DOCS.is_dir():
        pytest.skip("the documentation sources are not installed")
    labels = set()
    for rst in DOCS.rglob("*.rst"):
        labels |= set(re.findall(r"^\.\. _([\w-]+):\s*$", rst.read_text("utf-8"), re.M))
    references = set()
    for path in _source_files():
        text = (PACKAGE / path).read_text(encoding="utf-8")
        for target in re.findall(r":ref:`([^`]+)`", text):
            references.add(re.sub(r".*<(.*)>", r"\1", target).strip())
    assert references, "no docstring links the user guide"
    assert references <= labels, f"undefined labels: {sorted(references - labels)}"


def _public_docstrings():
    """``(name, docstring)`` of every public object of the package and of the
    methods of its public classes, as ``help()`` shows them."""
    import importlib
    import pkgutil

    seen = {}
    for module_info in pkgutil.walk_packages(skcollapse.__path__, "skcollapse."):
        if any(part.startswith("_") for part in module_info.name.split(".")[1:]):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional extra
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            members = [(name, obj)]
            if inspect.isclass(obj):
                members += [
                    (f"{name}.{attr}", getattr(obj, attr))
                    for attr in vars(obj)
                    if not attr.startswith("_")
                ]
            for qualname, member in members:
                doc = getattr(member, "__doc__", None)
                if isinstance(doc, str):
                    seen.setdefault(f"{module.__name__}.{qualname}", doc)
    return sorted(seen.items())


def test_no_placeholder_is_left_in_a_public_docstring():
    """Every ``%(name)s`` of a shared text was filled (a function whose
    docstring uses one carries the ``Substitution`` that fills it)."""
    docstrings = _public_docstrings()
    assert any(name.startswith("skcollapse.theory.") for name, _ in docstrings)
    left = [name for name, doc in docstrings if re.search(r"%\(\w+\)s|\$\{\w+\}", doc)]
    assert not left, f"unfilled placeholders in {left}"


def test_every_paper_of_the_bibliography_is_cited_as_written_once():
    """Each entry of ``PAPERS`` is the References entry of some public
    docstring, in its one wording (no stale entry, no second wording)."""
    docstrings = "\n".join(doc for _, doc in _public_docstrings())
    flat = " ".join(docstrings.split())
    for key, citation in PAPERS.items():
        assert " ".join(citation.split()) in flat, f"PAPERS[{key!r}] is cited nowhere"
