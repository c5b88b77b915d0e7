from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth2/", include("tenancy.urls")),
    path("ims/oneroster/", include("roster.api.urls")),
    path("", include("dashboards.urls")),
]
