from django.urls import path

from . import jobs_views, views, views_more

app_name = "people"

urlpatterns = [
    path("", views.households, name="households"),
    path("<int:pk>/", views.household, name="household"),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("<int:pk>/residents/<int:resident_id>/reveal/", views.reveal, name="reveal"),
    path("visits/", views.visits, name="visits"),
    path("buildings/<int:building_id>/confirm/", views.building_confirm, name="building_confirm"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("export/", views.export, name="export"),
    path("profile/", views.profile, name="profile"),
    path("components/", views_more.components, name="components"),
    path("components/<int:pk>/", views_more.component, name="component"),
    path("disputes/", views_more.disputes, name="disputes"),
    path("patrols/", views_more.patrols, name="patrols"),
    path("emergencies/", views_more.emergencies, name="emergencies"),
    path("jobs/", jobs_views.vacancies, name="vacancies"),
    path("jobs/new/", jobs_views.vacancy_new, name="vacancy_new"),
    path("jobs/<int:pk>/", jobs_views.vacancy, name="vacancy"),
    path("jobs/<int:pk>/edit/", jobs_views.vacancy_edit, name="vacancy_edit"),
    path("jobs/<int:pk>/act/", jobs_views.vacancy_act, name="vacancy_act"),
    path("jobs/seekers/", jobs_views.seekers, name="seekers"),
    path("coverage/", jobs_views.coverage, name="coverage"),
    path("coverage/export.csv", jobs_views.coverage_export, name="coverage_export"),
]
