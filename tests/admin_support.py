"""Shared checks for the admin tests: every registered admin page of an app answers."""

from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse


def registered(app_label: str) -> list:
    """Models registered in the admin site for `app_label`, in a stable order (for parametrize)."""
    models = [model for model in admin.site._registry if model._meta.app_label == app_label]
    return sorted(models, key=lambda model: model._meta.model_name)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def assert_admin_pages_answer(client, superuser, model) -> None:
    """The changelist, the add page (if adding is allowed) and the first object's page answer 200."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = superuser

    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200, f"{model.__name__} changelist"

    if model_admin.has_add_permission(request):
        response = client.get(admin_url(model, "add"))
        assert response.status_code == 200, f"{model.__name__} add page"

    first = model_admin.get_queryset(request).first()
    if first is not None:
        response = client.get(admin_url(model, "change", first.pk))
        assert response.status_code == 200, f"{model.__name__} change page"
