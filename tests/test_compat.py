"""scikit-learn's private API is imported in one place: skcollapse._compat."""

import ast
import pathlib

import skcollapse

PACKAGE = pathlib.Path(skcollapse.__file__).parent


def _private_sklearn_imports(path):
    """``(line, name)`` of every private scikit-learn name imported by ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn"
        ):
            private_module = any(p.startswith("_") for p in node.module.split("."))
            for alias in node.names:
                if private_module or alias.name.startswith("_"):
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn") and any(
                    p.startswith("_") for p in alias.name.split(".")
                ):
                    found.append((node.lineno, alias.name))
    return found


def test_private_scikit_learn_names_come_through_compat_only():
    offenders = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "_compat.py"
        for names in [_private_sklearn_imports(path)]
        if names
    }
    assert offenders == {}


def test_compat_imports_what_it_exports():
    from skcollapse import _compat

    for name in _compat.__all__:
        assert getattr(_compat, name) is not None


def test_the_detector_sees_private_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from sklearn.utils._param_validation import Interval\n"
        "from sklearn.base import _fit_context, clone\n"
        "import sklearn.utils._testing\n"
        "from sklearn.utils import check_random_state\n"
    )
    assert [name for _, name in _private_sklearn_imports(source)] == [
        "sklearn.utils._param_validation.Interval",
        "sklearn.base._fit_context",
        "sklearn.utils._testing",
    ]
