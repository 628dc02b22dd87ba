from django.urls import path

from .views import campaign, dashboard, home, nominations, schedule, site, supervision

app_name = "campaigns"

urlpatterns = [
    path("", home.home, name="home"),
    # Campaigns: list, dashboard, the 组织部's queues
    path("campaigns/", campaign.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", dashboard.campaign_dashboard, name="campaign_dashboard"),
    path("campaigns/<int:pk>/dashboard.xlsx", dashboard.dashboard_export, name="campaign_dashboard_export"),
    path("campaigns/<int:pk>/nominations/", nominations.nomination_queue, name="nomination_queue"),
    path("campaigns/<int:pk>/nominate/", nominations.nominate, name="nominate"),
    path("campaigns/<int:pk>/rectifications/", supervision.rectification_list, name="rectification_list"),
    # Work schedules (工作安排): campaign-wide and per site
    path("campaigns/<int:pk>/schedule/", schedule.campaign_schedule, name="campaign_schedule"),
    path(
        "campaigns/<int:pk>/schedule/import/",
        schedule.campaign_schedule_import,
        name="campaign_schedule_import",
    ),
    path(
        "campaigns/<int:pk>/schedule.xlsx", schedule.campaign_schedule_export, name="campaign_schedule_export"
    ),
    path("sites/<int:pk>/schedule/", schedule.site_schedule, name="site_schedule"),
    path("sites/<int:pk>/schedule/import/", schedule.site_schedule_import, name="site_schedule_import"),
    path("sites/<int:pk>/schedule.xlsx", schedule.site_schedule_export, name="site_schedule_export"),
    path("work-items/<int:pk>/edit/", schedule.work_item_edit, name="work_item_edit"),
    path("work-items/<int:pk>/done/", schedule.work_item_done, name="work_item_done"),
    path("work-items/<int:pk>/delete/", schedule.work_item_delete, name="work_item_delete"),
    # A site: overview, plan, leading group, funding, history
    path("sites/<int:pk>/", site.site_overview, name="site_detail"),
    path("sites/<int:pk>/history/", site.site_history, name="site_history"),
    path("sites/<int:pk>/plan/", site.plan_edit, name="site_plan_edit"),
    path("sites/<int:pk>/plan/file/", site.plan_file, name="site_plan_file"),
    path("sites/<int:pk>/leading-group/add/", site.leading_group_add, name="leading_group_add"),
    path("leading-group/<int:pk>/edit/", site.leading_group_edit, name="leading_group_edit"),
    path("leading-group/<int:pk>/delete/", site.leading_group_delete, name="leading_group_delete"),
    path("sites/<int:pk>/funding/add/", site.funding_add, name="funding_add"),
    path("funding/<int:pk>/edit/", site.funding_edit, name="funding_edit"),
    path("funding/<int:pk>/delete/", site.funding_delete, name="funding_delete"),
    # The site's lifecycle
    path("sites/<int:pk>/approve/", nominations.approve, name="site_approve"),
    path("sites/<int:pk>/reject/", nominations.reject, name="site_reject"),
    path("sites/<int:pk>/withdraw/", nominations.withdraw, name="site_withdraw"),
    path(
        "sites/<int:pk>/request-acceptance/", nominations.request_acceptance, name="site_request_acceptance"
    ),
    # Supervision (督导), rectification (整改), typical cases (典型案例)
    path("sites/<int:pk>/supervision/", supervision.site_supervision, name="site_supervision"),
    path("sites/<int:pk>/supervision/add/", supervision.visit_add, name="supervision_add"),
    path("sites/<int:pk>/rectifications/add/", supervision.rectification_add, name="rectification_add"),
    path("rectifications/<int:pk>/answer/", supervision.rectification_answer, name="rectification_answer"),
    path("rectifications/<int:pk>/close/", supervision.rectification_close, name="rectification_close"),
    path("rectifications/<int:pk>/return/", supervision.rectification_return, name="rectification_return"),
    path(
        "rectifications/<int:pk>/evidence/", supervision.rectification_evidence, name="rectification_evidence"
    ),
    path("sites/<int:pk>/typical-case/", supervision.typical_case_add, name="typical_case_add"),
]
