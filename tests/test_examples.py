"""Every example in examples/ runs to the end (the gallery is part of the proof)."""

from pathlib import Path

import pytest
from conftest import run_python_script

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("plot_*.py"))

pytest.importorskip("matplotlib")


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    result = run_python_script(script, tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


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
