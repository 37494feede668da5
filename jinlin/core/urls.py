from django.urls import path

from . import views, views_accounts

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("preferences/language/", views.language_set, name="language"),
    path("preferences/large-text/", views.large_text_set, name="large_text"),
    path("audit/", views.audit_log, name="audit"),
    path("accounts/", views_accounts.account_list, name="accounts"),
    path("accounts/<int:pk>/", views_accounts.account_detail, name="account"),
]
