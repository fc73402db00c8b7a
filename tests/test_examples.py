"""Every example in examples/ runs to the end and checks what it shows.

The gallery is part of the proof: each script asserts the numbers its figures
show (within a tolerance), so an example whose result silently changes fails
here, and run with ``--save DIR`` it writes its figures as PNG files.
"""

import ast
from pathlib import Path

import pytest
from conftest import run_python_script

_GALLERY = Path(__file__).parent.parent / "examples"
# the reproductions that kept their figures and checks beyond the experiment's
_REPRODUCTIONS = ["plot_golden_ratio_fresh_data.py", "plot_tale_of_tails.py"]
EXAMPLES = sorted(_GALLERY.glob("plot_*.py")) + [
    _GALLERY / "reproduce" / name for name in _REPRODUCTIONS
]

# Figures each example draws (an example not listed must draw at least one).
N_FIGURES = {
    "plot_adaptive_regularization.py": 2,
    "plot_collapse_curves.py": 2,
    "plot_gaussian_mixture_collapse.py": 2,
    "plot_golden_ratio_fresh_data.py": 2,
    "plot_ols_replace_vs_accumulate.py": 1,
    "plot_tale_of_tails.py": 3,
    "plot_verification.py": 2,
}

pytest.importorskip("matplotlib")


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_checks_and_saves_its_figures(script, tmp_path):
    figures = tmp_path / "figures"
    result = run_python_script(script, tmp_path, timeout=600, args=["--save", figures])
    assert result.returncode == 0, result.stderr[-3000:]
    saved = sorted(p.name for p in figures.glob("*.png"))
    expected = N_FIGURES.get(script.name)
    if expected is None:
        assert saved, f"{script.name} --save wrote no figure"
    else:
        assert saved == [f"{script.stem}_{i:03d}.png" for i in range(1, expected + 1)]
    for png in figures.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png.name


def test_examples_are_sphinx_gallery_scripts():
    assert EXAMPLES, "examples/ holds no plot_*.py script"
    for script in EXAMPLES:
        text = script.read_text()
        assert text.startswith('"""'), f"{script.name}: no module docstring"
        lines = [line.strip() for line in text[3:].splitlines()[:3]]
        if lines[0] and set(lines[0]) == {"="}:  # an overline is valid RST too
            lines = lines[1:]
        title, underline = lines[:2]
        assert title and set(underline) == {"="}, f"{script.name}: no title"
        assert "# %%" in text, f"{script.name}: no sphinx-gallery cells"


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_asserts_what_it_shows_and_saves(script):
    """An assert at module level (not in a function that may never run), and
    the ``--save DIR`` option, parsed without breaking sphinx-gallery's run."""
    text = script.read_text()
    tree = ast.parse(text)
    top_level = [node for node in tree.body if isinstance(node, ast.Assert)]
    top_level += [
        node
        for loop in tree.body
        if isinstance(loop, (ast.For, ast.If))
        for node in ast.walk(loop)
        if isinstance(node, ast.Assert)
    ]
    assert top_level, f"{script.name} checks nothing of what its figures show"
    assert "parse_known_args" in text, f"{script.name}: no --save DIR option"
    assert "save_figures(SAVE_DIR" in text, f"{script.name}: --save saves nothing"
