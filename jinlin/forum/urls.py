from django.urls import path

from . import views, views_civic

app_name = "forum"

urlpatterns = [
    path("topics/", views.topics, name="topics"),
    path("topics/select/", views.topic_select, name="topic_select"),
    path("topics/<int:pk>/", views.topic_public, name="topic"),
    path("topics/<int:pk>/support/", views.topic_support, name="topic_support"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("conversations/", views.conversations, name="conversations"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/groups/", views.groups, name="groups"),
    path("civic/", views_civic.civic_home, name="civic"),
    path("conventions/<int:pk>/", views_civic.convention, name="convention"),
    path("surveys/<int:pk>/", views_civic.survey, name="survey"),
    path("surveys/<int:pk>/export.xlsx", views_civic.survey_export, name="survey_export"),
    path("themes/", views_civic.themes, name="themes"),
    path("themes/<int:pk>/", views_civic.theme, name="theme"),
]
