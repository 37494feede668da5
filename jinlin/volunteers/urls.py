from django.urls import path

from . import views, views_party

app_name = "volunteers"

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.need_post, name="need_post"),
    path("orders/<int:pk>/<slug:action>/", views.need_act, name="need_act"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("rewards/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("apply/", views.apply, name="apply"),
    path("staff/", views.staff, name="staff"),
    path("staff/volunteers/<int:pk>/decide/", views.volunteer_decide, name="volunteer_decide"),
    path("staff/teams/new/", views.team_add, name="team_add"),
    path("staff/rewards/new/", views.reward_add, name="reward_add"),
    path("staff/rewards/<int:pk>/restock/", views.reward_restock, name="reward_restock"),
    path("wishes/", views.wish_list, name="wishes"),
    path("wishes/wall/", views.wish_wall, name="wall"),
    path("wishes/<int:pk>/photo/", views.wish_photo, name="wish_photo"),
    path("wishes/<int:pk>/<slug:action>/", views.wish_act, name="wish_act"),
    path("party/", views_party.members, name="party_members"),
    path("party/report-in/", views_party.report_in, name="party_report_in"),
    path("party/posts/<int:pk>/claim/", views_party.post_claim, name="party_post_claim"),
    path("party/duties/", views_party.duty_add, name="party_duty"),
    path("party/points/", views_party.points, name="points"),
    path("party/points/export.xlsx", views_party.points_export, name="points_export"),
    path("aid/<int:pk>/signup/", views_party.aid_signup, name="aid_signup"),
    path("party/points/<int:pk>/decide/", views_party.points_decide, name="points_decide"),
    path("party/pairing/", views_party.pairing, name="party_orgs"),
    path("party/pairing/items/<int:pk>/<slug:action>/", views_party.pairing_act, name="pairing_act"),
]
