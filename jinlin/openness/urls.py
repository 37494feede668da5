from django.urls import path

from . import views

app_name = "openness"

urlpatterns = [
    path("", views.disclosure_home, name="home"),
    path("unit/<int:unit_id>/", views.community_page, name="community"),
    path("unit/<int:unit_id>/live/", views.live, name="live"),
    path("report/", views.report_new, name="report_new"),
    path("report/track/", views.report_track, name="report_track"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
]
