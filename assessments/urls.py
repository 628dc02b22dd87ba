from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/activate/", views.campaign_activate, name="campaign_activate"),
]
