from django.urls import path

from qti import views

app_name = "qti"

urlpatterns = [
    path("assets/<int:package_id>/<path:path>", views.asset, name="asset"),
    path("items/<int:pk>/preview/", views.item_preview_page, name="item_preview"),
]
