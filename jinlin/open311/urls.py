"""Open311 GeoReport v2, mounted at /open311/v2/ (see views.py). The format is the extension."""

from django.urls import re_path

from . import views

app_name = "open311"

# The last dot starts the format, so a service code may itself contain dots.
FMT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.request_collection, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FMT, views.token_detail, name="token"),
    # Anything else under /open311/v2/ answers in the GeoReport error format, not with a page.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
