from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from .api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("jinlin.open311.urls")),
    path("stats/", include("jinlin.stats.urls")),
    path("cases/", include("jinlin.cases.urls")),
    path("notify/", include("jinlin.notify.urls")),
    path("centre/", include("jinlin.centre.urls")),
    path("", include("jinlin.core.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
