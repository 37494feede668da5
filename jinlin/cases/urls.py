from django.urls import path

from . import views, views_console, views_place

app_name = "cases"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("patrol/", views.patrol, name="patrol"),
    path("intake/", views.intake, name="intake"),
    path("mine/", views.mine, name="mine"),
    path("inbox/", views.inbox, name="inbox"),
    path("console/", views_console.console_page, name="console"),
    path("console/export.csv", views_console.console_export, name="console_export"),
    path("whistles/", views.whistles, name="whistles"),
    path("queue/", views.queue, name="queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("urges/", views.urges, name="urges"),
    path("map/", views.case_map, name="map"),
    path("map/data.json", views.map_data, name="map_data"),
    path("map/places.json", views_place.places_data, name="places_data"),
    path("public/", views.public, name="public"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/dispatch-people/", views.dispatch_people, name="dispatch_people"),
    path("<int:pk>/contact/", views_place.reveal_contact, name="reveal_contact"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
]
