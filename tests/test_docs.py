"""The documentation's snippets run, and its pages are what the build expects.

Every ``>>>`` snippet of ``docs/*.rst`` and ``docs/user_guide/*.rst`` runs as a
doctest (the same option flags as the docstrings'); each user-guide page has
one. The Dask snippet of the user guide runs as the script a user pastes.
"""

import doctest
from pathlib import Path

import pytest
from conftest import run_python_script

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.rst")) + sorted((DOCS / "user_guide").glob("*.rst"))
GUIDE = sorted((DOCS / "user_guide").glob("*.rst"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

pytestmark = pytest.mark.skipif(
    not DOCS.is_dir(), reason="the docs are not shipped with the package"
)


def _doctest(page):
    text = page.read_text(encoding="utf-8")
    return doctest.DocTestParser().get_doctest(
        text, {"__name__": "__docs__"}, page.stem, str(page), 0
    )


def _name(page):
    return str(page.relative_to(DOCS))


@pytest.mark.parametrize("page", [p for p in PAGES if _doctest(p).examples], ids=_name)
def test_snippets_run(page, monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)  # a snippet that writes a file writes it here
    test = _doctest(page)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    output = []
    runner.run(test, out=output.append)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted == len(test.examples)
    assert failed == 0, "".join(output)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_every_user_guide_page_has_a_snippet_and_is_in_the_toctree():
    """One page per concept, each with a snippet, each reachable."""
    assert GUIDE, "no user guide pages found"
    index = (DOCS / "user_guide.rst").read_text(encoding="utf-8")
    for page in GUIDE:
        # a >>> snippet, or a script of docs/snippets (run by its own test)
        script = "literalinclude:: ../snippets/" in page.read_text(encoding="utf-8")
        assert _doctest(page).examples or script, f"{_name(page)} has no snippet"
        assert f"user_guide/{page.stem}" in index, f"{_name(page)} not in the toctree"


def _figure_code(page):
    """The code of every ``.. plot::`` directive of a page, dedented."""
    import textwrap

    blocks, lines = [], page.read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        if line.strip() != ".. plot::":
            continue
        body = []
        for line in lines[start + 1 :]:
            if line.strip() and not line.startswith("   "):
                break
            body.append(line)
        code = textwrap.dedent("\n".join(body))
        # the options (:caption: and its continuation lines) end at a blank line
        blocks.append(
            code.split("\n\n", 1)[1] if code.lstrip().startswith(":") else code
        )
    return blocks


FIGURE_DIRECTIVES = (".. plot::", ".. image::", ".. minigallery::", ".. figure::")


def test_every_user_guide_page_has_a_figure():
    """One page per concept, each with a snippet and a figure."""
    for page in GUIDE:
        text = page.read_text(encoding="utf-8")
        assert any(d in text for d in FIGURE_DIRECTIVES), f"{_name(page)}: no figure"


# The figures whose code takes more than a few seconds.
SLOW_FIGURES = {"generative.rst", "sources.rst"}


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW_FIGURES else p
        for p in GUIDE
        if _figure_code(p)
    ],
    ids=_name,
)
def test_figures_draw(page, monkeypatch, tmp_path):
    """The code of each ``.. plot::`` figure runs and draws something (the docs
    build runs it too, but a broken figure should fail the tests first)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    plt.close("all")
    try:
        for code in _figure_code(page):
            exec(compile(code, str(page), "exec"), {"__name__": "__docs__"})
        figures = [plt.figure(n) for n in plt.get_fignums()]
        assert figures, f"{_name(page)}: the figure code drew no figure"
        for figure in figures:
            assert any(ax.has_data() for ax in figure.axes), _name(page)
    finally:
        plt.close("all")


def test_install_page_shows_the_version():
    assert "|release|" in (DOCS / "install.rst").read_text(encoding="utf-8")


@pytest.mark.slow
def test_dask_local_cluster_snippet_runs(tmp_path):
    """The user guide's LocalCluster script, run as a user would run it."""
    pytest.importorskip("distributed")
    script = DOCS / "snippets" / "dask_local_cluster.py"
    completed = run_python_script(script, tmp_path, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "200/200 repeats done" in completed.stdout + completed.stderr
    assert "Name: score_real" in completed.stdout
