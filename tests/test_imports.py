"""Optional dependencies are imported lazily: importing skcollapse loads none."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("optional", ["matplotlib", "tqdm", "distributed"])
def test_importing_skcollapse_does_not_import(optional):
    code = (
        "import sys\n"
        "import skcollapse, skcollapse.model_selection, skcollapse.plotting\n"
        "import skcollapse.theory, skcollapse.datasets, skcollapse.verification\n"
        f"assert {optional!r} not in sys.modules, '{optional} was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
