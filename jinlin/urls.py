from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from .api import api
from .field import views as field_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("jinlin.open311.urls")),
    path("stats/", include("jinlin.stats.urls")),
    path("cases/", include("jinlin.cases.urls")),
    path("notify/", include("jinlin.notify.urls")),
    path("centre/", include("jinlin.centre.urls")),
    path("people/", include("jinlin.people.urls")),
    path("volunteers/", include("jinlin.volunteers.urls")),
    path("forum/", include("jinlin.forum.urls")),
    path("open/", include("jinlin.openness.urls")),
    path("field/", include("jinlin.field.urls")),
    path("sw.js", field_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", field_views.manifest, name="manifest"),
    path("", include("jinlin.core.urls")),
]

if settings.DEBUG:
    # Case photos are personal data: even in development only a logged-in user reads /media/.
    urlpatterns.append(path("media/<path:path>", login_required(serve), {"document_root": settings.MEDIA_ROOT}))
