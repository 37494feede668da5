from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("broadcast/", views.broadcast, name="broadcast"),
    path("alerts/", views.alerts, name="alerts"),
    path("signup/", views.signup, name="signup"),
    path("reset/", views.reset, name="reset"),
    path("places/", views.places, name="places"),
    path("account/", views.account, name="account"),
    path("homes/", views.homes, name="homes"),
    path("deliveries/", views.deliveries, name="deliveries"),
]
