from django.contrib import admin
from django.urls import include, path

from organizations.login import ThrottledLoginView

admin.site.site_header = "基层党建示范点创建管理系统"
admin.site.site_title = "示范点管理"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Sign-in is throttled (organizations.login); the rest of Django's account pages as they are.
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("assessments.urls")),
    path("", include("campaigns.urls")),
    path("", include("members.urls")),
    path("", include("organizations.urls")),
]

# Uploaded files (plans, evidence, reports) are never served from MEDIA_URL directly: each is
# served by a view that finds it through `visible_to(user)`.
