"""Tests written against the mutants of ``skcollapse/density.py`` that survived.

Each test kills a mutant that the rest of the suite let live (see
``tests/mutation_survivors.md``); ``python tools/mutation.py density`` runs them.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause
