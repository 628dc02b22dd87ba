from django.urls import path

from .views import campaign, frameworks, self_assessment

app_name = "assessments"

urlpatterns = [
    path("campaigns/new/", campaign.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", campaign.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/activate/", campaign.campaign_activate, name="campaign_activate"),
    # 考核标准: the templates, one table and its Excel, importing a county 考核细则
    path("frameworks/", frameworks.framework_list, name="framework_list"),
    path("frameworks/import/", frameworks.framework_import, name="framework_import"),
    path("frameworks/import/confirm/", frameworks.framework_import_confirm, name="framework_import_confirm"),
    path("frameworks/<int:pk>/", frameworks.framework_detail, name="framework_detail"),
    path("frameworks/<int:pk>/export.xlsx", frameworks.framework_export, name="framework_export"),
    # The self-assessment (基层自评): the branch scores, the 党委 reviews, the 组织部 compares
    path("sites/<int:pk>/self-assessment/", self_assessment.self_assessment, name="self_assessment"),
    path(
        "sites/<int:pk>/self-assessment/items/<int:indicator>/",
        self_assessment.save_score,
        name="self_assessment_save",
    ),
    path(
        "sites/<int:pk>/self-assessment/items/<int:indicator>/evidence/",
        self_assessment.evidence_upload,
        name="evidence_upload",
    ),
    path("sites/<int:pk>/self-assessment/submit/", self_assessment.submit, name="self_assessment_submit"),
    path(
        "sites/<int:pk>/self-assessment/return/",
        self_assessment.return_assessment,
        name="self_assessment_return",
    ),
    path("sites/<int:pk>/self-assessment/approve/", self_assessment.approve, name="self_assessment_approve"),
    path("evidence/<int:pk>/", self_assessment.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", self_assessment.evidence_delete, name="evidence_delete"),
    path(
        "campaigns/<int:pk>/self-assessments/",
        self_assessment.campaign_overview,
        name="self_assessment_overview",
    ),
    path(
        "campaigns/<int:pk>/self-assessments.xlsx",
        self_assessment.campaign_export,
        name="self_assessment_export",
    ),
]
