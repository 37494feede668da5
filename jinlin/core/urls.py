from django.urls import path

from . import system_views, totp_views, views, views_accounts

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
    path("login/code/", totp_views.verify_view, name="totp_verify"),
    path("account/two-factor/", totp_views.enrol_view, name="totp_enrol"),
    path("system/tasks/", system_views.periodic_tasks, name="periodic_tasks"),
]
