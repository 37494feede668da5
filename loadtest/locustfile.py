"""A mixed day on Jinlin 近邻, for locust (a dev dependency): residents submit and rate, grid
workers and department handlers work their inboxes, staff refresh dashboards, the public reads
the disclosure board. The method and the figures are in docs/performance.md.

    .venv/bin/jinlin seed --scale district                       # into an empty database
    .venv/bin/jinlin bench --locust-users var/locust-users.json  # tokens and cookies of seeded people
    .venv/bin/gunicorn jinlin.wsgi -b 127.0.0.1:8000 --workers 5 --threads 4   # JINLIN_DEBUG=0 …
    JINLIN_LOCUST_USERS=var/locust-users.json .venv/bin/locust -f loadtest/locustfile.py \
        --host http://127.0.0.1:8000 --headless -u 100 -r 10 -t 5m --csv var/locust

Think times are short (a busy hour compressed), so 100 simulated people make the load of a few
thousand real ones. Every request names the step it belongs to, so locust's table reads as the
loop: 点单 (submit), 评单 (rate), inbox, 接单 (claim), 办结 (resolve), dashboard, board.
"""

import json
import os
import random
import uuid

from locust import HttpUser, between, task

with open(os.environ.get("JINLIN_LOCUST_USERS", "var/locust-users.json")) as f:
    PEOPLE = json.load(f)

# (title, category code) pairs of the scale seed's category tree (ops/scale/).
REPORTS = [
    ("楼道灯不亮", "streetlight"),
    ("垃圾桶满溢无人清运", "sanitation.garbage"),
    ("小区门口乱停车", "traffic.parking"),
    ("电梯经常停运", "property.elevator"),
    ("下水道堵塞返水", "water.drain"),
    ("广场舞音响声音过大", "noise.social"),
]
INBOX = "/api/cases?mine=true&status=dispatched,in_progress,reopened&page_size=20"


class ApiUser(HttpUser):
    abstract = True
    pool = "residents"

    def on_start(self):
        self.person = random.choice(PEOPLE[self.pool])
        self.client.headers["Authorization"] = f"Bearer {self.person['token']}"

    def cases(self, query: str, name: str) -> list[dict]:
        with self.client.get(query, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return []
            return response.json()["results"]

    def act(self, case_id: int, action: str, body: dict | None = None):
        # 409 is an honest answer under load (someone else claimed it first), not a failure.
        with self.client.post(
            f"/api/cases/{case_id}/{action}", json=body or {}, name=f"/api/cases/[id]/{action}", catch_response=True
        ) as response:
            if response.status_code in {200, 409}:
                response.success()


class Resident(ApiUser):
    weight = 10
    wait_time = between(2, 10)
    pool = "residents"

    @task(3)
    def submit(self):
        title, category = random.choice(REPORTS)
        body = {"title": title, "description": f"{title}，请尽快处理。", "category_code": category}
        if self.person.get("lat") is not None:
            body.update(lat=self.person["lat"], lng=self.person["lng"])
        self.client.post("/api/cases", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, name="点单 submit")

    @task(5)
    def my_cases(self):
        for case in self.cases("/api/cases?mine=true", "my cases")[:1]:
            self.client.get(f"/api/cases/{case['id']}", name="/api/cases/[id]")

    @task(1)
    def rate(self):
        for case in self.cases("/api/cases?mine=true&status=resolved", "my resolved cases")[:1]:
            rating = random.choices(["satisfied", "basically_satisfied", "unsatisfied"], [90, 7, 3])[0]
            self.act(case["id"], "evaluate", {"rating": rating, "comment": ""})


class Handler(ApiUser):
    """Grid workers and department handlers: read the inbox, claim, resolve."""

    weight = 4
    wait_time = between(3, 15)
    pool = "handlers"

    def on_start(self):
        self.pool = random.choice(["handlers", "grid_workers"])
        super().on_start()

    @task(5)
    def inbox(self):
        cases = self.cases(INBOX, f"inbox ({self.pool})")
        if not cases:
            return
        case = random.choice(cases)
        detail = self.client.get(f"/api/cases/{case['id']}", name="/api/cases/[id]")
        # A colleague's case is in the unit's inbox too; act only as the platform allows this
        # person (a 403 is then a real failure, not the script's mistake).
        allowed = detail.json().get("allowed_actions", []) if detail.status_code == 200 else []
        if "claim" in allowed:
            self.act(case["id"], "claim")
        elif "resolve" in allowed and random.random() < 0.5:
            self.act(case["id"], "resolve", {"result": "已现场处理完毕。"})

    @task(1)
    def patrol(self):
        if self.pool != "grid_workers":
            return
        body = {"title": "巡查发现乱堆乱放", "category_code": "sanitation.clutter", "channel": "grid_patrol"}
        self.client.post("/api/cases", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, name="巡查 patrol")


class Dashboard(HttpUser):
    """Staff keeping the metrics dashboard open; the public reading the board."""

    weight = 1
    wait_time = between(10, 30)

    def on_start(self):
        self.cookie = random.choice(PEOPLE["dashboards"])["cookie"]

    @task(3)
    def dashboard(self):
        self.client.get("/stats/", headers={"Cookie": self.cookie}, name="dashboard")

    @task(2)
    def board(self):
        self.client.get("/cases/public/", name="public board")
