from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "组织"


class DataAdminConfig(admin_apps.AdminConfig):
    """Django's admin on our site: 数据管理 is for the 组织部 and superusers."""

    default = False
    default_site = "organizations.permissions.DataAdminSite"
