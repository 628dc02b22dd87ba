from django.urls import path

from members.views import register

urlpatterns = [
    path("branches/<int:branch>/members/", register.member_list, name="member_list"),
    path("branches/<int:branch>/members/add/", register.member_add, name="member_add"),
    path("members/<int:pk>/", register.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", register.member_edit, name="member_edit"),
    path(
        "members/<int:pk>/collection-form.pdf",
        register.member_collection_form,
        name="member_collection_form",
    ),
    path("branches/<int:branch>/development/", register.development_list, name="development_list"),
    path("branches/<int:branch>/development/add/", register.applicant_add, name="applicant_add"),
    path("development/<int:pk>/advance/", register.development_advance, name="development_advance"),
]
