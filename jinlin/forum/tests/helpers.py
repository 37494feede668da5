"""Shared helpers of the deliberation tests."""

from django.test import Client

from jinlin.core.services import api_token_issue


class Api:
    """A test client speaking as one user with a bearer token (or anonymously with user=None)."""

    def __init__(self, user=None):
        self.client = Client(raise_request_exception=False)
        self.headers = {"Accept-Language": "zh-hans"}
        if user is not None:
            key, _ = api_token_issue(user=user)
            self.headers["Authorization"] = f"Bearer {key}"

    def get(self, path, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path, body=None, **extra):
        return self.client.post(path, body or {}, content_type="application/json", headers=self.headers, **extra)
