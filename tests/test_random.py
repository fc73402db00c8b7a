"""The registry of random streams (skcollapse._random)."""

import pathlib
import re

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import Ridge

import skcollapse
from skcollapse import RecursiveRetrainer
from skcollapse._random import (
    MAX_SEED,
    SeedTable,
    Stream,
    check_base_seed,
    draw_seed,
    seed_estimator,
)

PACKAGE = pathlib.Path(skcollapse.__file__).parent


def test_every_stream_has_its_own_column():
    assert sorted(int(s) for s in Stream) == list(range(len(Stream)))
    assert len({s.name for s in Stream}) == len(Stream)


@pytest.mark.parametrize("base_seed", [0, 1, 12345, MAX_SEED - 1])
def test_two_purposes_never_share_a_seed(base_seed):
    seeds = SeedTable(base_seed)
    n_generations = 3 * SeedTable.BLOCK + 5  # across several blocks
    table = np.array([[seeds.seed(g, s) for s in Stream] for g in range(n_generations)])
    # every (generation, stream) seed differs from every other
    assert len(np.unique(table)) == table.size
    assert table.min() >= 0 and table.max() < MAX_SEED


def test_streams_of_one_generation_are_independent():
    # first draws of the FIT and SYNTHESIS streams over many base seeds:
    # uncorrelated (a shared stream gives correlation 1)
    n = 2000
    first = np.array(
        [[SeedTable(b).rng(1, s).standard_normal() for s in Stream] for b in range(n)]
    )
    correlation = np.corrcoef(first, rowvar=False)
    off_diagonal = correlation[~np.eye(len(Stream), dtype=bool)]
    # under independence each r is about N(0, 1/n); Bonferroni over the pairs
    m = len(Stream) * (len(Stream) - 1) // 2
    limit = stats.norm.isf(2 * stats.norm.sf(3) / (2 * m)) / np.sqrt(n)
    assert np.max(np.abs(off_diagonal)) < limit


def test_a_row_does_not_depend_on_what_was_asked_before():
    forward = SeedTable(7)
    rows = [forward.seed(g, Stream.FIT) for g in range(200)]
    backward = SeedTable(7)
    late = backward.seed(199, Stream.FIT)  # draws blocks 0..3 in order
    assert late == rows[199]
    assert [backward.seed(g, Stream.FIT) for g in range(200)] == rows


def test_the_table_grows_only_with_the_generations_asked():
    seeds = SeedTable(0)
    assert seeds._blocks == []  # nothing drawn for n_generations up front
    seeds.seed(0, Stream.FIT)
    assert len(seeds._blocks) == 1
    seeds.seed(SeedTable.BLOCK, Stream.FIT)
    assert len(seeds._blocks) == 2


def test_a_huge_generation_count_allocates_nothing_up_front():
    # 10**10 generations used to allocate the seed table (373 GiB) at once;
    # the fit still validates the estimator and fails on the data, fast
    est = RecursiveRetrainer(Ridge(), n_generations=10**10)
    with pytest.raises(ValueError, match="2 samples"):
        est.fit(np.zeros((1, 2)), np.zeros(1))


def test_draw_seed_from_both_generator_apis():
    assert 0 <= draw_seed(np.random.default_rng(0)) < MAX_SEED
    assert 0 <= draw_seed(np.random.RandomState(0)) < MAX_SEED
    seeds = draw_seed(np.random.RandomState(0), size=5)
    assert seeds.shape == (5,) and seeds.max() < MAX_SEED


def test_base_seed_is_an_int_random_state_itself():
    assert check_base_seed(42) == 42
    assert check_base_seed(np.int64(42)) == 42
    state = np.random.RandomState(0)
    assert check_base_seed(state) != check_base_seed(state)  # consumed
    assert 0 <= check_base_seed(None) < MAX_SEED


def test_seed_estimator_sets_nested_seeds():
    from sklearn.ensemble import BaggingRegressor
    from sklearn.tree import DecisionTreeRegressor

    est = BaggingRegressor(DecisionTreeRegressor(), random_state=None)
    seed_estimator(est, 0)
    params = est.get_params()
    assert isinstance(params["random_state"], int)
    assert isinstance(params["estimator__random_state"], int)
    assert params["random_state"] != params["estimator__random_state"]


def test_no_module_builds_its_own_stream_from_a_seed():
    """Every stream of a fit comes from the registry: no literal purposes,
    sub-stream ids or seed bounds elsewhere in the package."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_random.py":
            continue
        source = path.read_text()
        for pattern in (r"iinfo\(np\.int32\)", r"default_rng\(\s*\["):
            if re.search(pattern, source):
                offenders.append((path.relative_to(PACKAGE), pattern))
    assert offenders == []
