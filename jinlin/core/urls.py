from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("preferences/language/", views.language_set, name="language"),
    path("preferences/large-text/", views.large_text_set, name="large_text"),
    path("audit/", views.audit_log, name="audit"),
]
