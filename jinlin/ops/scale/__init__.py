"""Synthetic data at three scales for benchmarks: `jinlin seed --scale small|district|city [--seed N]`.

    small     1 district, 1 street, 4 communities, 20 grids,        3,000 residents,     4,000 cases
    district  1 district, 3 streets, 12 communities, 60 grids,     50,000 residents,   100,000 cases
    city      10 districts, 100 streets, 600 communities, 3,000 grids, 1,000,000 residents, 2,000,000 cases

Everything is generated from one random generator seeded with `--seed`, relative to one moment
(`until`, a whole minute; the command's `--until`, default now): the same seed and the same
`until` give the same rows (only the Fernet ciphertexts of phones and addresses differ, because
Fernet draws a random IV). Names, polygons and phone prefixes come from the demo district's
generators (core/demo.py).

Cases are not invented field by field: each one is *lived* from its intake to `until` through the
actions of the state machine (cases/machine.py, `check()` guards every step), with the field
changes the services make, the timeline entries they write, and what the SLA sweeper would have
done every minute in between (urge, overdue, raise tier, expire, urging late 报到) — with the same
SLA policies and working calendar. So a sweep run at `until` finds nothing left to do, the
metrics computed from the timeline mean something, and the tests check both.

Writing goes around the ORM and around the services (which audit every row): PostgreSQL gets
`COPY … FROM STDIN` (psycopg 3) with the big tables' foreign keys and secondary indexes dropped
for the load and rebuilt afterwards (one pass each, far faster than maintaining them row by row),
SQLite gets batched `executemany` inserts; all in one transaction, so a failed seed leaves
nothing behind. Rows are generated and written in chunks, so memory stays bounded. The run is
recorded as one `seed.scale` audit entry with its counts, like the demo seed.
"""

from .generator import ScaleGenerator
from .seed import ScaleAlreadySeeded, default_until, seed_scale
from .spec import CATEGORY_TREE, DEFAULT_SEED, SCALES, ScaleSpec, ensure_categories
from .writer import BulkWriter

__all__ = [
    "CATEGORY_TREE",
    "DEFAULT_SEED",
    "SCALES",
    "BulkWriter",
    "ScaleAlreadySeeded",
    "ScaleGenerator",
    "ScaleSpec",
    "default_until",
    "ensure_categories",
    "seed_scale",
]
