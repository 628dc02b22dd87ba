"""The members pages: one url module per area, each owned with its views."""

from django.urls import include, path

from members.views import branch

app_name = "members"

urlpatterns = [
    path("branches/", branch.branch_home, name="branch_home"),
    path("", include("members.urls.register")),
    path("", include("members.urls.records")),
    path("", include("members.urls.service")),
    path("", include("members.urls.board")),
    path("", include("members.urls.imports")),
]
