from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Sign in / out for students, staff and developers (Django's views, our templates).
    path("accounts/", include("django.contrib.auth.urls")),
    path("oauth2/", include("tenancy.urls")),
    path("ims/oneroster/", include("roster.api.urls")),
    # CASE frameworks: /ims/case/v1p1/... (Timeback's dialect) and /ims/case/v1p0/... (1.0).
    path("ims/case/", include("case.api.urls")),
    # LTI 1.3 platform: key set, (to come) OIDC login, launches, LTI Advantage services.
    path("lti/", include("lti.urls")),
    # The student launcher: classes, apps, time-on-task heartbeats.
    path("launcher/", include("lti.launcher_urls")),
    # QTI content: package files for rendered items, the authors' preview.
    path("qti/", include("qti.urls")),
    # The staff framework browser: CASE frameworks, their trees, search by code and text.
    path("standards/", include("case.urls")),
    # Caliper ingest (/caliper/...) and job status (/jobs/...), Timeback's paths.
    path("", include("caliper.api.urls")),
    # EduBridge analytics (/edubridge/...), XP ledger (/xp/1.0/...), insights (/insights/1.0/...).
    path("", include("mastery.api.urls")),
    # QTI API (/assessment-items, /stimuli, /validate), Timeback's paths.
    path("", include("qti.api.urls")),
    path("", include("dashboards.urls")),
]
