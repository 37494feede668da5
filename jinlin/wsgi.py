import gc
import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinlin.settings")
application = get_wsgi_application()
logger = logging.getLogger("jinlin.wsgi")


def warm_up() -> None:
    """Fill the per-process caches before the first request: the grid index (every grid polygon
    in an STRtree) and triage's models, jieba's dictionary and keyword rules. Filled by a
    resident's request instead, they made it wait: the first requests of a fresh gunicorn worker
    took seconds (docs/performance.md §8), and the requests queued on that worker's threads
    waited with it. A database that is not ready yet is not an error here: the first requests
    then fill the caches as before."""
    from django.db import DatabaseError, connections

    from jinlin.core.grids import grids_of_points
    from jinlin.triage import adapter

    try:
        grids_of_points([(0.0, 0.0)])
        adapter.warm_up()
    except DatabaseError:
        logger.warning("Warm-up skipped: the database is not ready.", exc_info=True)
    finally:
        # The connection belongs to this thread, which serves no request: don't leave it idle.
        connections.close_all()


# Each gunicorn worker imports this module, so each warms up before it accepts a request.
if os.environ.get("JINLIN_WARM_UP", "1") != "0":
    warm_up()
    # What is loaded now lives as long as the worker: moved out of the cyclic collector's
    # generations, it is not walked again by every full collection during requests
    # (docs/performance.md §7a, the last pass: a few per cent of an intake's CPU).
    gc.collect()
    gc.freeze()
