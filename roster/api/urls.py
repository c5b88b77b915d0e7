app_name = "roster-api"

urlpatterns: list = []
