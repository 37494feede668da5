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
