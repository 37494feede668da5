"""The API's bearer-token authentication, in core so that every app's router (and the root API)
can require or offer it without importing the root module."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from .services import api_token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            # Services and selectors take request.user, the same as pages do.
            request.user = user
            request.auth_token_key = token
            if user.must_change_password and request.path != "/api/auth/password":
                raise PermissionDenied(_("Change your password first: POST /api/auth/password."))
        return user
