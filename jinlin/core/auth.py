"""Phone + password authentication with the 等保 lockout, shared by the login page and /api."""

from django.contrib.auth.backends import BaseBackend

from .models import User


class PhoneBackend(BaseBackend):
    """Lets Django's login machinery (admin, sessions) resolve users by their phone digest.

    Lockout and failure counting live in services.auth_login, which every login path calls;
    this backend only answers "is this the password of this phone" for an unlocked account.
    """

    def authenticate(self, request, phone=None, password=None, **kwargs):
        phone = phone or kwargs.get("username")
        if not phone or password is None:
            return None
        from .services import AuthError, auth_login

        try:
            return auth_login(phone=phone, password=password)
        except AuthError:
            return None

    def get_user(self, user_id):
        try:
            user = User.objects.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if user.is_active else None
