app_name = "openness"

urlpatterns: list = []
