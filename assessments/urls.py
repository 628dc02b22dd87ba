from django.urls import path

from .views import acceptance, campaign, frameworks, inspection, publicity, self_assessment, survey

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
    # 群众测评: the 组织部 opens a survey and prints its QR codes; residents vote without login
    path("sites/<int:pk>/surveys/new/", survey.survey_open, name="survey_open"),
    path("surveys/<int:pk>/", survey.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/live/", survey.survey_live, name="survey_live"),
    path("surveys/<int:pk>/qr.pdf", survey.survey_sheet, name="survey_sheet"),
    path("surveys/<int:pk>/close/", survey.survey_close, name="survey_close"),
    path("ballot/", survey.ballot_entry, name="ballot_entry"),
    path("ballot/<str:token>/", survey.ballot, name="ballot"),
    # 现场验收: the 组织部 schedules, each inspector scores on a phone, the lead reconciles and signs
    path("sites/<int:pk>/acceptance/new/", acceptance.acceptance_schedule, name="acceptance_schedule"),
    path("acceptances/<int:pk>/", acceptance.acceptance_detail, name="acceptance_detail"),
    path("acceptances/<int:pk>/edit/", acceptance.acceptance_edit, name="acceptance_edit"),
    path("acceptances/<int:pk>/agree/<int:indicator>/", acceptance.agree_score, name="acceptance_agree"),
    path("acceptances/<int:pk>/findings/", acceptance.findings, name="acceptance_findings"),
    path(
        "acceptances/<int:pk>/rectifications/add/",
        acceptance.rectification_add,
        name="acceptance_rectification_add",
    ),
    path("acceptances/<int:pk>/sign/", acceptance.sign, name="acceptance_sign"),
    path("acceptances/<int:pk>/score/", inspection.scoring_page, name="inspection_scoring"),
    path("acceptances/<int:pk>/score/<int:indicator>/", inspection.save_score, name="inspection_save"),
    path("acceptances/<int:pk>/score/submit/", inspection.submit_scores, name="inspection_submit"),
    path("inspection-photos/<int:pk>/", inspection.photo, name="inspection_photo"),
    path("inspection-sw.js", inspection.service_worker, name="inspection_service_worker"),
    # The report, its public check, and 公示 with objections
    path("acceptances/<int:pk>/report.pdf", publicity.report_download, name="acceptance_report"),
    path("verify/<str:digest>/", publicity.verify, name="verify"),
    path("verify/", publicity.verify_form, name="verify_form"),
    path("results/<int:campaign>/", publicity.public_results, name="public_results"),
    path("results/acceptances/<int:pk>/objection/", publicity.lodge_objection, name="objection_lodge"),
    path("objections/<int:pk>/answer/", publicity.answer_objection, name="objection_answer"),
    path("campaigns/<int:pk>/publicity/", publicity.publicity_overview, name="publicity_overview"),
]

# 创建工作总结 and the dossier (创建档案) — routes of issue 16, with their own view modules
from .views import dossier as dossier_views  # noqa: E402
from .views import summary as summary_views  # noqa: E402

urlpatterns += [
    path("sites/<int:pk>/summary/", summary_views.work_summary, name="work_summary"),
    path("sites/<int:pk>/summary/return/", summary_views.return_summary, name="work_summary_return"),
    path("sites/<int:pk>/summary/approve/", summary_views.approve_summary, name="work_summary_approve"),
    path("sites/<int:pk>/dossier/", dossier_views.dossier_page, name="dossier"),
    path("sites/<int:pk>/dossier/render/", dossier_views.dossier_render, name="dossier_render"),
    path("sites/<int:pk>/dossier/progress/", dossier_views.dossier_progress, name="dossier_progress"),
    path("sites/<int:pk>/dossier/dossier.pdf", dossier_views.dossier_pdf, name="dossier_pdf"),
    path("sites/<int:pk>/dossier/dossier.zip", dossier_views.dossier_zip, name="dossier_zip"),
]
