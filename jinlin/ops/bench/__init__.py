"""`jinlin bench`: the platform measured against its limits on the machine it runs on.

Not a Django app (no models, nothing in INSTALLED_APPS): the command lives in
core/management/commands/bench.py, the harness here. `settings.py` and `urls.py` are what the
benchmark's gunicorn runs with — the platform's own settings in production mode, plus the floor
endpoint — and refuse to load unless JINLIN_BENCH=1, so production never serves the floor.
"""

# The scratch table of the floor endpoint and of the database-limit measurement; the harness
# creates it for a run and drops it afterwards.
FLOOR_TABLE = "bench_floor"
