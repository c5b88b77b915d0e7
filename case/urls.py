from django.urls import path

from case import views

app_name = "case"

urlpatterns = [
    path("", views.frameworks_page, name="frameworks"),
    path("search/", views.search_page, name="search"),
    path("<str:identifier>/", views.framework_page, name="framework"),
]
