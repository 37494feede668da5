"""Starting Django must not import the triage engine's numerical libraries: every test worker,
web worker and command would pay seconds for them before doing anything."""

import os
import subprocess
import sys

CODE = """
import sys
import django
django.setup()
import jinlin.urls  # noqa: F401 - every view module, as a web worker's first request loads them
heavy = sorted(m for m in ("sklearn", "scipy", "numpy", "joblib", "jieba") if m in sys.modules)
print(",".join(heavy))
"""


def test_django_starts_and_loads_its_urls_without_scikit_learn_scipy_numpy_or_jieba(tmp_path):
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "jinlin.settings", "JINLIN_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_a_web_worker_starts_when_the_database_is_not_ready_for_its_warm_up(tmp_path):
    # jinlin.wsgi warms each worker's caches from the database; an empty one (not migrated yet)
    # is logged and skipped, not a worker that fails to boot.
    env = os.environ | {"JINLIN_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = "import jinlin.wsgi; print('served by', jinlin.wsgi.application.__class__.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert "served by WSGIHandler" in done.stdout
    assert "Warm-up skipped" in done.stderr
