"""Opinion groups (Polis-like) from agree / disagree / pass votes — a pure module, no Django.

The analysis, step by step (docs/forum.md shows the output):

1. the participant × statement matrix: agree 1, disagree -1, pass 0, and a statement a
   participant has not seen is also 0 (it pulls nobody either way);
2. participants with fewer than `MIN_VOTES` votes (passes count) are left out: a few votes place
   a person anywhere;
3. PCA to two components;
4. k-means for k = 2 … 5 (never more than the participants allow), the k with the best
   silhouette kept; a fixed random_state, so the same votes give the same groups;
5. for each group, the statements that set it apart (representative): the group's agree (or
   disagree) rate against the rest's, as Polis does — a Laplace-smoothed rate ratio with a
   two-proportion z-test, the significant ones first, at most `MAX_REPRESENTATIVE`;
6. consensus: the statements that at least `CONSENSUS_SHARE` of the voters in every group agree with.

numpy and scikit-learn are imported inside the functions: the web process does not load them at
start-up, only the worker (or the page) that computes groups does.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

MIN_VOTES = 7
K_RANGE = range(2, 6)
RANDOM_STATE = 0
CONSENSUS_SHARE = 0.6
MAX_REPRESENTATIVE = 5
Z_90 = 1.2816  # one-sided 90 %: Polis' threshold for "significantly different"

VOTE_VALUES = (1, -1, 0)


@dataclass
class Representative:
    statement: Hashable
    direction: str  # "agree" or "disagree"
    group_rate: float  # the share of the group's voters on the statement voting that way
    rest_rate: float
    ratio: float
    z: float


@dataclass
class Group:
    members: list[Hashable]
    representative: list[Representative] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class OpinionGroups:
    participants: int  # the participants analysed (with at least MIN_VOTES votes)
    left_out: int  # participants with too few votes
    statements: int
    groups: list[Group]
    consensus: list[Hashable]
    # Each analysed participant's place on the two components (for the scatter plot).
    points: dict[Hashable, tuple[float, float]] = field(default_factory=dict)
    silhouette: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The published shape (API, CLI): participants, groups with size/members/representative, consensus."""
        return {
            "participants": self.participants,
            "groups": [
                {
                    "size": g.size,
                    "members": list(g.members),
                    "representative": [{"statement": r.statement, "direction": r.direction} for r in g.representative],
                }
                for g in self.groups
            ],
            "consensus": list(self.consensus),
        }

    def as_cache(self) -> dict[str, Any]:
        """as_dict plus what the page draws (points, rates), for the cached row."""
        data = self.as_dict()
        data["left_out"] = self.left_out
        data["statements"] = self.statements
        data["silhouette"] = self.silhouette
        data["points"] = [[pid, round(x, 4), round(y, 4)] for pid, (x, y) in self.points.items()]
        for out, g in zip(data["groups"], self.groups, strict=True):
            out["representative"] = [
                {
                    "statement": r.statement,
                    "direction": r.direction,
                    "group_rate": round(r.group_rate, 3),
                    "rest_rate": round(r.rest_rate, 3),
                }
                for r in g.representative
            ]
        return data


def _z_two_proportions(s1: int, n1: int, s2: int, n2: int) -> float:
    if n1 == 0 or n2 == 0:
        return 0.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 0.0 if se == 0 else (p1 - p2) / se


def analyse(votes: Iterable[tuple[Hashable, Hashable, int]], *, min_votes: int = MIN_VOTES) -> OpinionGroups:
    """Opinion groups from (participant, statement, vote) triples; a later vote on the same pair wins."""
    import numpy as np

    latest: dict[tuple[Hashable, Hashable], int] = {}
    for participant, statement, vote in votes:
        if vote not in VOTE_VALUES:
            raise ValueError(f"a vote is 1, -1 or 0, not {vote!r}")
        latest[(participant, statement)] = int(vote)

    counts: dict[Hashable, int] = {}
    for participant, _statement in latest:
        counts[participant] = counts.get(participant, 0) + 1
    kept = sorted((p for p, n in counts.items() if n >= min_votes), key=_sort_key)
    left_out = len(counts) - len(kept)
    statements = sorted({s for (p, s) in latest if p in set(kept)}, key=_sort_key)
    if not kept or not statements:
        return OpinionGroups(0, left_out, len(statements), [], [])

    p_index = {p: i for i, p in enumerate(kept)}
    s_index = {s: j for j, s in enumerate(statements)}
    matrix = np.zeros((len(kept), len(statements)))
    seen = np.zeros((len(kept), len(statements)), dtype=bool)
    for (participant, statement), vote in latest.items():
        i = p_index.get(participant)
        if i is None:
            continue
        j = s_index[statement]
        matrix[i, j] = vote
        seen[i, j] = True

    labels, points, silhouette = _cluster(matrix)
    groups_members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups_members.setdefault(int(label), []).append(i)
    ordered = sorted(groups_members.values(), key=lambda rows: (-len(rows), rows[0]))

    agree = (matrix == 1) & seen
    disagree = (matrix == -1) & seen
    groups: list[Group] = []
    for rows in ordered:
        in_group = np.zeros(len(kept), dtype=bool)
        in_group[rows] = True
        group = Group(members=[kept[i] for i in rows])
        group.representative = _representative(statements, in_group, agree, disagree, seen)
        groups.append(group)

    consensus = []
    for j, statement in enumerate(statements):
        ok = True
        for rows in ordered:
            n = int(seen[rows, j].sum())
            if n == 0 or agree[rows, j].sum() / n < CONSENSUS_SHARE:
                ok = False
                break
        if ok:
            consensus.append(statement)

    return OpinionGroups(
        participants=len(kept),
        left_out=left_out,
        statements=len(statements),
        groups=groups,
        consensus=consensus,
        points={kept[i]: (float(points[i, 0]), float(points[i, 1])) for i in range(len(kept))},
        silhouette=silhouette,
    )


def _cluster(matrix) -> tuple[list[int], Any, float | None]:
    """PCA to two components, then k-means with k chosen by silhouette; one group if too few people."""
    import numpy as np

    n, m = matrix.shape
    components = min(2, n, m)
    if n < 2 or components < 1 or np.allclose(matrix, matrix[0]):
        # One participant, or everyone voted alike: nothing to project or split.
        return [0] * n, np.zeros((n, 2)), None
    from sklearn.decomposition import PCA

    points = PCA(n_components=components, random_state=RANDOM_STATE).fit_transform(matrix)
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((n, 2 - points.shape[1]))])
    # Everyone voted the same way: nothing to split.
    if n < 4 or np.allclose(points, points[0]):
        return [0] * n, points, None
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best: tuple[float, list[int]] | None = None
    for k in K_RANGE:
        if k >= n:
            break
        labels = KMeans(n_clusters=k, n_init=10, random_state=RANDOM_STATE).fit_predict(points)
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(points, labels))
        if best is None or score > best[0] + 1e-9:
            best = (score, [int(x) for x in labels])
    if best is None:
        return [0] * n, points, None
    return best[1], points, best[0]


def _representative(statements, in_group, agree, disagree, seen) -> list[Representative]:
    rest = ~in_group
    found: list[tuple[bool, float, Representative]] = []
    for j, statement in enumerate(statements):
        n_in = int(seen[in_group, j].sum())
        n_out = int(seen[rest, j].sum())
        if n_in == 0:
            continue
        best: tuple[bool, float, Representative] | None = None
        for direction, hits in (("agree", agree), ("disagree", disagree)):
            s_in = int(hits[in_group, j].sum())
            s_out = int(hits[rest, j].sum())
            p_in = (s_in + 1) / (n_in + 2)
            p_out = (s_out + 1) / (n_out + 2)
            ratio = p_in / p_out
            z = _z_two_proportions(s_in, n_in, s_out, n_out)
            # Polis: the group leans this way (more than half) and more than the rest does.
            if ratio <= 1 or s_in / n_in <= 0.5:
                continue
            significant = z > Z_90
            rep = Representative(statement, direction, s_in / n_in, (s_out / n_out) if n_out else 0.0, ratio, z)
            candidate = (significant, ratio * p_in, rep)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is not None:
            found.append(best)
    found.sort(key=lambda c: (not c[0], -c[1], _sort_key(c[2].statement)))
    significant_found = [c for c in found if c[0]]
    chosen = significant_found if significant_found else found[:1]
    return [c[2] for c in chosen[:MAX_REPRESENTATIVE]]


def _sort_key(value: Hashable) -> tuple:
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, str(value))


def parse_id(text: str) -> Hashable:
    """A participant or statement id from a CSV cell: digits become an int, anything else stays text."""
    text = text.strip()
    return int(text) if text.isdigit() else text


def read_votes_csv(lines: Iterable[str]) -> list[tuple[Hashable, Hashable, int]]:
    """Rows of `participant,statement,vote` (a header row is recognised and skipped)."""
    import csv

    votes = []
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if number == 1 and row[0].strip().lower() == "participant":
            continue
        if len(row) < 3:
            raise ValueError(f"line {number}: expected participant,statement,vote")
        try:
            vote = int(row[2].strip())
        except ValueError:
            raise ValueError(f"line {number}: the vote must be 1, -1 or 0, not {row[2]!r}") from None
        if vote not in VOTE_VALUES:
            raise ValueError(f"line {number}: the vote must be 1, -1 or 0, not {vote}")
        votes.append((parse_id(row[0]), parse_id(row[1]), vote))
    return votes
