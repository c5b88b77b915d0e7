from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/students/<str:sourced_id>/", views.student_page, name="student"),
    path(
        "dashboard/students/<str:sourced_id>/password/",
        views.student_password,
        name="student_password",
    ),
    path("dashboard/apps/<int:app_id>/", views.app_page, name="app"),
    path("dashboard/orgs/<str:sourced_id>/", views.org_page, name="org"),
]
