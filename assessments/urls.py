from django.urls import path

from .views import campaign

app_name = "assessments"

urlpatterns = [
    path("campaigns/new/", campaign.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", campaign.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/activate/", campaign.campaign_activate, name="campaign_activate"),
]
