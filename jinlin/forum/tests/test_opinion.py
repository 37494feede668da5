"""The opinion-group analysis on generated camps: groups recovered, representative and consensus
statements found, thin voters left out, the same answer every time."""

import pytest
from sklearn.metrics import adjusted_rand_score

from jinlin.forum.opinion import MIN_VOTES, analyse, read_votes_csv

from .camps import camp_votes


def _ari(result, truth):
    found = {p: g for g, group in enumerate(result.groups) for p in group.members}
    people = sorted(found)
    return adjusted_rand_score([truth[p] for p in people], [found[p] for p in people])


@pytest.mark.parametrize("camps", [2, 3])
def test_camps_with_noise_and_missing_votes_are_recovered(camps):
    votes, truth, consensus = camp_votes(camps, noise=0.15, missing=0.35)
    result = analyse(votes)
    assert len(result.groups) == camps
    assert _ari(result, truth) >= 0.9
    assert result.participants == len(truth)


@pytest.mark.parametrize("camps", [2, 3])
def test_statements_every_camp_agrees_with_are_consensus(camps):
    votes, _truth, consensus = camp_votes(camps, consensus=3)
    result = analyse(votes)
    assert set(consensus) <= set(result.consensus)
    # Divisive statements are not consensus.
    assert not set(result.consensus) - set(consensus)


def test_each_group_is_represented_by_the_statements_its_camp_alone_agrees_with():
    votes, truth, consensus = camp_votes(3, statements=15, consensus=3)
    result = analyse(votes)
    for group in result.groups:
        camp = truth[group.members[0]]
        # Statement s (after the consensus block) belongs to camp (s - 4) % 3 in the generator.
        owned = {s for s in range(4, 16) if (s - 4) % 3 == camp}
        agreed = {r.statement for r in group.representative if r.direction == "agree"}
        assert agreed and agreed <= owned


def test_participants_with_fewer_than_seven_votes_are_left_out():
    votes, truth, _ = camp_votes(2, per_camp=10, missing=0.0)
    thin = [(999, s, 1) for s in range(1, MIN_VOTES)]  # six votes
    result = analyse(votes + thin)
    assert result.participants == len(truth)
    assert result.left_out == 1
    assert all(999 not in g.members for g in result.groups)


def test_the_same_votes_give_the_same_groups():
    votes, _, _ = camp_votes(3, seed=11)
    assert analyse(votes).as_dict() == analyse(list(reversed(votes))).as_dict()


def test_too_few_participants_give_one_group_or_none_without_failing():
    assert analyse([]).as_dict() == {"participants": 0, "groups": [], "consensus": []}
    few = [(p, s, 1) for p in (1, 2) for s in range(1, 9)]
    result = analyse(few).as_dict()
    assert result["participants"] == 2
    assert sum(g["size"] for g in result["groups"]) == 2
    assert result["consensus"] == list(range(1, 9))


def test_a_vote_other_than_one_minus_one_or_zero_is_refused():
    with pytest.raises(ValueError):
        analyse([(1, 1, 2)])


def test_csv_reading_takes_a_header_and_numeric_ids():
    rows = read_votes_csv(["participant,statement,vote", "1,10,1", "p2,s3,-1", "", "3,10,0"])
    assert rows == [(1, 10, 1), ("p2", "s3", -1), (3, 10, 0)]
    with pytest.raises(ValueError):
        read_votes_csv(["1,2,5"])
