"""Mutation testing of skcollapse, one module at a time (mutmut 3).

Run from anywhere, with the ``mutation`` extra installed
(``pip install -e ".[test,mutation]"``)::

    python tools/mutation.py theory          # one target
    python tools/mutation.py loop sampling   # several, one after the other
    python tools/mutation.py --list          # the targets and their tests
    python tools/mutation.py theory --survivors  # re-test the last survivors
    python tools/mutation.py retrainer --resume --workers 2  # finish a stopped run

Each target mutates the files (and, for the problems, the functions) listed in
``TARGETS`` below and runs only the fast tests relevant to them (``-m "not
slow"``, stop at the first failure, one worker unless ``--workers`` says
more). mutmut works in a ``mutants/`` folder at the root of the repository
(a copy of the package with every mutant compiled in behind a trampoline); it
is deleted before each target unless ``--keep`` is given (``--resume``, after a
run was stopped, runs only the mutants it did not reach). The summary and the
diff of every surviving mutant are written to ``mutants/report-<target>.txt``
(and printed).

Why mutmut 3: it is maintained, it compiles all mutants of a module into one
copy and switches between them at run time, it maps every function to the
tests that call it (one instrumented run of the selection), and it forks a
warm interpreter per mutant, so a mutant costs the few tests that reach the
mutated function instead of a fresh interpreter importing scikit-learn
(cosmic-ray's model: several seconds per mutant before a test runs).

Adjustments to mutmut's defaults, all here and nowhere else:

- mutmut skips every decorated function (a decorator may cache or register).
  The public theory functions carry scikit-learn's ``validate_params`` and
  the package's ``fill_doc_citing`` (it fills the docstring once, at import),
  which do neither, so functions whose only decorators are in
  ``MUTATE_DECORATED`` are mutated like undecorated ones (without
  ``fill_doc_citing`` there, added to the public theory functions after the
  session-19 run, a theory run built 1,212 mutants instead of 2,395: every
  public function was skipped). Functions under
  ``functools.lru_cache`` stay skipped: the cache filled by the original
  would answer for the mutants.
- mutmut reads its configuration from ``[tool.mutmut]``; the per-target
  configuration lives in ``TARGETS`` instead and is set before mutmut runs.
- the package's warnings skip mutmut's trampoline frames as they skip the
  package's own (``_warnings_past_trampolines``), so the tests of where a
  warning points run under mutmut too;
- every mutant's tests start with empty ``functools`` caches: mutmut forks
  each mutant from a process whose clean run filled them, so a function
  reached only through a cache (``_draw_wishart_eigenvalues``, behind
  ``_cached_wishart_eigenvalues``) was never executed by its mutants'
  tests, and all its mutants "survived".

Mutation testing is not part of CI (too long); the kill rates measured with
this script, and the surviving mutants judged equivalent, are listed in
``tests/mutation_survivors.md`` and the README's developer section.
"""

# Authors: The skcollapse developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import dataclasses
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FAST = ["-m", "not slow", "-p", "no:cacheprovider", "-p", "no:xdist"]
# Tests that cannot pass under mutmut (none since the warnings' stacklevel is
# found by walking the frames: see _warnings_past_trampolines).
_DESELECT = []

# name: (files to mutate, mutant-name patterns or None for all, tests to run)
TARGETS = {
    "theory": (
        ["skcollapse/theory/*.py"],
        None,
        [
            "tests/test_theory_accumulate.py",
            "tests/test_theory_categorical.py",
            "tests/test_theory_estimators.py",
            "tests/test_theory_fresh.py",
            "tests/test_theory_gaussian.py",
            "tests/test_theory_linear.py",
            "tests/test_theory_validation.py",
            "tests/test_theory_zipf.py",
            "tests/test_theory_mutants.py",
        ],
    ),
    # The other targets run the tests that exercise the module (mutmut runs
    # the tests that reach a mutated function, stopping at the first
    # failure), so a surviving mutant costs those files, not the whole suite.
    "sampling": (
        ["skcollapse/_sampling.py"],
        None,
        [
            "tests/test_sampling.py",
            "tests/test_generative.py",
            "tests/test_robustness_density.py",
            "tests/test_sampling_mutants.py",
        ],
    ),
    # The loop: its own tests, and those of the features it implements (the
    # memory check and parameter errors, the accumulate window, corrections,
    # fresh real data, schedules, verifiers, progress, stop on collapse,
    # fine-tuning in test_retrainer).
    "loop": (
        ["skcollapse/_loop.py"],
        None,
        [
            "tests/test_loop.py",
            "tests/test_contract.py",
            "tests/test_params.py",
            "tests/test_accumulate_window.py",
            "tests/test_correction.py",
            "tests/test_fresh_real.py",
            "tests/test_regularization.py",
            "tests/test_verification.py",
            "tests/test_progress.py",
            "tests/test_stop_on_collapse.py",
            "tests/test_retrainer.py",
            "tests/test_loop_mutants.py",
        ],
    ),
    # The supervised problem: the Problem class and the module's helpers
    # (noise draws, predictive sampler), not the estimator's docstring class.
    # Its tests: those of every feature the problem serves (robustness to
    # degenerate data, the contract, meta-estimators around it, corrections,
    # regularization, fresh real data, parameter errors), and the tests written
    # against its survivors. A file listed here must exist (mutmut's cached
    # results are keyed on this list: a file appearing later resets them).
    "retrainer": (
        ["skcollapse/retrainer.py"],
        ["skcollapse.retrainer.xǁ_SupervisedProblemǁ*", "skcollapse.retrainer.x_*"],
        [
            "tests/test_retrainer.py",
            "tests/test_verification.py",
            "tests/test_robustness_supervised.py",
            "tests/test_contract.py",
            "tests/test_meta.py",
            "tests/test_correction.py",
            "tests/test_regularization.py",
            "tests/test_fresh_real.py",
            "tests/test_params.py",
            "tests/test_retrainer_mutants.py",
            "tests/test_retrainer_mutants_core.py",
        ],
    ),
    "density": (
        ["skcollapse/density.py"],
        ["skcollapse.density.xǁ_DensityProblemǁ*", "skcollapse.density.x_*"],
        [
            "tests/test_density.py",
            "tests/test_robustness_density.py",
            "tests/test_generative.py",
            "tests/test_empirical_density.py",
            "tests/test_params.py",
            "tests/test_density_mutants.py",
        ],
    ),
}

MUTATE_DECORATED = frozenset({"validate_params", "fill_doc_citing"})


def _decorator_name(decorator):
    import libcst as cst

    while isinstance(decorator, cst.Call):
        decorator = decorator.func
    if isinstance(decorator, cst.Attribute):
        return decorator.attr.value
    return getattr(decorator, "value", "")


def _allow_decorators():
    import libcst as cst
    from libcst.metadata import PositionProvider
    from mutmut.mutation import file_mutation

    visitor = file_mutation.MutationVisitor
    original = visitor._skip_node_and_children

    def skip(self, node):
        if (
            isinstance(node, cst.FunctionDef)
            and node.decorators
            and all(
                _decorator_name(d.decorator) in MUTATE_DECORATED
                for d in node.decorators
            )
        ):
            position = self.get_metadata(PositionProvider, node, None)
            if position and position.start.line in self._ignored_node_lines:
                self.ignored_functions.add(node.name.value)
                return True
            return False
        return original(self, node)

    visitor._skip_node_and_children = skip


def _cold_caches():
    """Clear the functools caches of skcollapse before each mutant's tests."""
    from mutmut.runners.harness import PytestRunner

    original = PytestRunner.run_tests

    def run_tests(self, *, mutant_name, tests):
        for name, module in list(sys.modules.items()):
            if name.startswith("skcollapse"):
                for value in list(vars(module).values()):
                    clear = getattr(value, "cache_clear", None)
                    if callable(clear):
                        clear()
        return original(self, mutant_name=mutant_name, tests=tests)

    PytestRunner.run_tests = run_tests


def _warnings_past_trampolines():
    """Let the package's warnings skip mutmut's trampoline frames too.

    ``skcollapse._loop.warn_at_caller`` points a warning at the first
    frame outside skcollapse, scikit-learn and joblib; under mutmut every
    mutated function is called through a trampoline in mutmut's own files,
    which would stop the walk inside the package. Each pytest run of mutmut
    gets a plugin that adds mutmut's folder to the frames skipped, so the
    tests of where a warning points run (and kill) under mutmut as outside.
    """
    import mutmut
    from mutmut.runners.harness import PytestRunner

    folder = os.path.dirname(os.path.abspath(mutmut.__file__)) + os.sep

    class SkipTrampolines:
        @staticmethod
        def pytest_runtest_setup(item):
            loop = sys.modules.get("skcollapse._loop")
            dirs = getattr(loop, "_LIBRARY_DIRS", None)  # None before 67ccd06
            if dirs is not None and folder not in dirs:
                loop._LIBRARY_DIRS = (*loop._LIBRARY_DIRS, folder)

    original = PytestRunner.execute_pytest

    def execute_pytest(self, params, **kwargs):
        kwargs["plugins"] = [*kwargs.get("plugins", []), SkipTrampolines]
        return original(self, params, **kwargs)

    PytestRunner.execute_pytest = execute_pytest


def _whole_functions_for_newline_ids():
    """Run a test whose parametrized id holds a newline as the whole function.

    An estimator's multi-line repr in a parameter gives a node id with an
    escaped newline (``Pipeline(steps=[...),\\n ...])``); pytest finds it
    when it is the first run of a process, but not in mutmut's later
    in-process runs ("not found", exit code 4: the clean run aborts). Such an
    id is replaced by its function's id (all of its parameters run).
    """
    from mutmut.runners.harness import PytestRunner

    original = PytestRunner._pytest_args_regular_run

    def regular_run(self, tests):
        if tests:
            tests = list(
                dict.fromkeys(
                    test.partition("[")[0] if "\\n" in test else test for test in tests
                )
            )
        return original(self, tests)

    PytestRunner._pytest_args_regular_run = regular_run


def _configure(files, tests):
    from mutmut import configuration

    configuration.reset_config()
    configuration._guess_source_paths = lambda: ["skcollapse"]
    cfg = configuration.config()
    configuration._config = dataclasses.replace(
        cfg,
        source_paths=[Path("skcollapse")],
        resolved_mutated_source_paths=[ROOT / "mutants" / "skcollapse"],
        only_mutate=list(files),
        pytest_add_cli_args=[
            *_FAST,
            *(arg for test in _DESELECT for arg in ("--deselect", test)),
        ],
        pytest_add_cli_args_test_selection=[t for t in tests if Path(t).exists()],
        use_git_change_detection=False,
    )


def _report(name, patterns):
    import fnmatch

    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    counts = Counter()
    survivors = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for key, code in data.exit_code_by_key.items():
            if patterns and not any(fnmatch.fnmatch(key, p) for p in patterns):
                continue
            status = status_by_exit_code[code]
            counts[status] += 1
            if status != "killed":
                survivors.append((key, status, path))
    total = sum(counts.values())
    killed = counts["killed"] + counts["timeout"]
    lines = [
        f"target {name}: {total} mutants, {killed} killed "
        f"({100 * killed / max(total, 1):.1f}%)",
        "  " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        "",
    ]
    for key, status, path in survivors:
        lines.append(f"# {key}: {status}")
        lines.append(get_diff_for_mutant(key, path=path))
    text = "\n".join(lines)
    (ROOT / "mutants" / f"report-{name}.txt").write_text(text, encoding="utf-8")
    print(text)
    return killed, total


def _survivors():
    """Names of the mutants that survived the last run in mutants/."""
    import json

    names = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        names.extend(key for key, code in codes.items() if code == 0)
    return names


def _not_run(patterns):
    """Names of the target's mutants that the last run in mutants/ left unrun."""
    import fnmatch
    import json

    names = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        names.extend(
            key
            for key, code in codes.items()
            if code is None
            and (not patterns or any(fnmatch.fnmatch(key, p) for p in patterns))
        )
    return names


def run_target(name, keep=False, only=None, survivors=False, resume=False, workers=1):
    files, patterns, tests = TARGETS[name]
    os.chdir(ROOT)
    if survivors:
        # re-test only what survived (after adding tests), results kept
        keep, only = True, _survivors()
        if not only:
            print(f"target {name}: no surviving mutant to re-test")
            return _report(name, patterns)
    if resume:
        # finish a stopped run: only the mutants it did not reach, results kept
        keep, only = True, _not_run(patterns)
        if not only:
            print(f"target {name}: every mutant has a result")
            return _report(name, patterns)
    if not keep and (ROOT / "mutants").exists():
        shutil.rmtree(ROOT / "mutants")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _configure(files, tests)
    _allow_decorators()
    _cold_caches()
    _warnings_past_trampolines()
    _whole_functions_for_newline_ids()
    from mutmut.__main__ import _run

    selected = list(only) if only else list(patterns or [])
    try:
        _run(selected, max_children=workers)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    return _report(name, patterns)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)}")
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument(
        "--keep", action="store_true", help="reuse mutants/ (results cached)"
    )
    parser.add_argument(
        "--only", nargs="+", help="mutant-name patterns (fnmatch) to run"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-test the mutants that survived the last run (implies --keep)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="run only the mutants a stopped run did not reach (implies --keep)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="mutants tested at once (default 1; more on an idle machine)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be a whole number >= 1, got {args.workers}")
    if args.list or not args.targets:
        for name, (files, patterns, tests) in TARGETS.items():
            print(f"{name}: mutate {' '.join(files)}")
            if patterns:
                print(f"  functions {' '.join(patterns)}")
            print(f"  tests {' '.join(tests)}")
        return 0
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; choose from {list(TARGETS)}")
    if len(args.targets) > 1:
        # mutmut keeps module-level state: one target per interpreter.
        import subprocess

        for name in args.targets:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    name,
                    *(["--keep"] if args.keep else []),
                    f"--workers={args.workers}",
                ],
                check=True,
            )
        return 0
    run_target(
        args.targets[0],
        keep=args.keep,
        only=args.only,
        survivors=args.survivors,
        resume=args.resume,
        workers=args.workers,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
