"""Pages of the core app (placeholder until the page shell lands)."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect


@login_required
def home(request):
    return HttpResponse(request.user.name)


def login_view(request):
    return HttpResponse("login")


def logout_view(request):
    logout(request)
    return redirect("core:login")
