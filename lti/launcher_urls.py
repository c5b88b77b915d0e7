from django.urls import path

from lti import launcher_views

app_name = "launcher"

urlpatterns = [
    path("", launcher_views.launcher_view, name="home"),
    path("play/<int:tool_id>", launcher_views.play_view, name="play"),
    path("heartbeat", launcher_views.heartbeat_view, name="heartbeat"),
]
