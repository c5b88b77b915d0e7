from django.urls import path

from qti import views

app_name = "qti"

urlpatterns = [
    path("assets/<int:package_id>/<path:path>", views.asset, name="asset"),
    path("items/<int:pk>/preview/", views.item_preview_page, name="item_preview"),
    path("tests/", views.tests_page, name="tests"),
    path("tests/<int:pk>/start/", views.test_start, name="test_start"),
    path("attempts/<uuid:uuid>/", views.attempt_view, name="attempt"),
    path("attempts/<uuid:uuid>/results.xml", views.attempt_results, name="attempt_results"),
]
