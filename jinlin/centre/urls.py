from django.urls import path

from . import views, views_staff

app_name = "centre"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("rate/<slug:kind>/<int:pk>/", views.rate, name="rate"),
    path("<int:pk>/", views.centre_detail, name="detail"),
    path("<int:pk>/meals/", views.meals, name="meals"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/register/", views.activity_register, name="activity_register"),
    path("activities/<int:pk>/leave/", views.activity_leave, name="activity_leave"),
    path("activities/<int:pk>/check-in/", views_staff.check_in, name="check_in"),
    path("rooms/<int:pk>/book/", views.room_book, name="book"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/decide/", views_staff.booking_decide, name="booking_decide"),
    path("gov-items/", views.gov_items, name="gov_items"),
    path("gov-items/<int:pk>/", views.gov_item_detail, name="gov_item"),
    path("figures/", views_staff.figures, name="figures"),
    path("manage/", views_staff.manage, name="manage"),
    path("manage/<int:pk>/", views_staff.console, name="console"),
    path("manage/<int:pk>/kitchen/", views_staff.kitchen, name="kitchen"),
    path("errands/", views_staff.errand_queue, name="errands"),
    path("errands/<int:pk>/<slug:action>/", views_staff.errand_act, name="errand_act"),
]
