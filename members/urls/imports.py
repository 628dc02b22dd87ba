from django.urls import path

from members.views import imports

urlpatterns = [
    path("branches/<int:branch>/imports/", imports.import_list, name="import_list"),
    path("branches/<int:branch>/imports/confirm/", imports.import_confirm, name="import_confirm"),
    path("branches/<int:branch>/imports/<int:job>/", imports.import_detail, name="import_detail"),
    path(
        "branches/<int:branch>/imports/<int:job>/progress/", imports.import_progress, name="import_progress"
    ),
    # A large upload's check: ?upload=<its id>.
    path("branches/<int:branch>/imports/check/", imports.import_check, name="import_check"),
    path(
        "branches/<int:branch>/imports/check/progress/",
        imports.import_check_progress,
        name="import_check_progress",
    ),
    path(
        "branches/<int:branch>/imports/templates/<slug:kind>/",
        imports.import_template,
        name="import_template",
    ),
    path("branches/<int:branch>/export-jobs/", imports.export_list, name="export_list"),
    path("branches/<int:branch>/export-jobs/<int:job>/", imports.export_detail, name="export_detail"),
    path(
        "branches/<int:branch>/export-jobs/<int:job>/progress/",
        imports.export_progress,
        name="export_progress",
    ),
    path("branches/<int:branch>/export-jobs/<int:job>/file/", imports.export_file, name="export_file"),
    path("branches/<int:branch>/exports/members/", imports.export_members, name="export_members"),
    path("branches/<int:branch>/exports/households/", imports.export_households, name="export_households"),
    path("branches/<int:branch>/exports/services/", imports.export_services, name="export_services"),
    path("branches/<int:branch>/exports/attendance/", imports.export_attendance, name="export_attendance"),
]
