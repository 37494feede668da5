from django.urls import path

from . import views

app_name = "field"

urlpatterns = [
    path("", views.home, name="home"),
    path("patrol/", views.patrol, name="patrol"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("visits/", views.visits, name="visits"),
    path("offline/", views.offline, name="offline"),
    path("coverage/", views.coverage, name="coverage"),
    path("checklists/", views.checklists, name="checklists"),
    path("token/", views.token, name="token"),
]
