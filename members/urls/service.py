from django.urls import path

from members.views import service

urlpatterns = [
    path("branches/<int:branch>/services/", service.service_list, name="service_list"),
    path("branches/<int:branch>/services/add/", service.service_add, name="service_add"),
    path("branches/<int:branch>/services/verify/", service.service_verify, name="service_verify"),
    path("branches/<int:branch>/services/publish/", service.service_publish, name="service_publish"),
    path("branches/<int:branch>/services/<int:pk>/edit/", service.service_edit, name="service_edit"),
    path("branches/<int:branch>/services/<int:pk>/remove/", service.service_remove, name="service_remove"),
    path("branches/<int:branch>/households/", service.household_list, name="household_list"),
    path("branches/<int:branch>/households/add/", service.household_add, name="household_add"),
    path("branches/<int:branch>/households/<int:pk>/edit/", service.household_edit, name="household_edit"),
    path("branches/<int:branch>/pairings/add/", service.pairing_add, name="pairing_add"),
    path("branches/<int:branch>/pairings/<int:pk>/remove/", service.pairing_remove, name="pairing_remove"),
    path("branches/<int:branch>/plaques/", service.plaque_list, name="plaque_list"),
    path("branches/<int:branch>/plaques/add/", service.plaque_add, name="plaque_add"),
    path("branches/<int:branch>/plaques/<int:pk>/remove/", service.plaque_remove, name="plaque_remove"),
]
