"""Generated camps of voters for the opinion-group tests and the demo."""

import random


def camp_votes(
    camps: int,
    *,
    per_camp: int = 30,
    statements: int = 24,
    consensus: int = 3,
    noise: float = 0.12,
    missing: float = 0.3,
    seed: int = 7,
) -> tuple[list[tuple[int, int, int]], dict[int, int], list[int]]:
    """Votes of `camps` camps: each camp has a stance on every divisive statement; the first
    `consensus` statements are agreed by every camp. A voter follows the stance except with
    probability `noise` (then a random vote), and skips a statement with probability `missing`.
    Returns the votes, each participant's true camp and the consensus statement ids."""
    rng = random.Random(seed)
    stance = {
        c: {s: (1 if s <= consensus else rng.choice((1, -1))) for s in range(1, statements + 1)} for c in range(camps)
    }
    # Make camps differ clearly: camp c agrees with a block of statements the others reject.
    divisive = list(range(consensus + 1, statements + 1))
    for index, s in enumerate(divisive):
        owner = index % camps
        for c in range(camps):
            stance[c][s] = 1 if c == owner else -1
    votes, truth = [], {}
    participant = 100
    for c in range(camps):
        for _ in range(per_camp):
            participant += 1
            truth[participant] = c
            for s in range(1, statements + 1):
                if rng.random() < missing:
                    continue
                vote = rng.choice((1, -1, 0)) if rng.random() < noise else stance[c][s]
                votes.append((participant, s, vote))
    return votes, truth, list(range(1, consensus + 1))
