from django.urls import path

from . import views

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
]
