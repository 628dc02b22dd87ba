"""党费 and 三会一课 pages (members.views.records)."""

from django.urls import path

from members.views import records

urlpatterns = [
    path("branches/<int:branch>/dues/", records.dues_grid, name="dues_grid"),
    path("branches/<int:branch>/dues/record/", records.dues_record, name="dues_record"),
    path("branches/<int:branch>/meetings/", records.meeting_list, name="meeting_list"),
    path("branches/<int:branch>/meetings/add/", records.meeting_add, name="meeting_add"),
    path("branches/<int:branch>/exports/meetings/", records.export_meetings, name="export_meetings"),
    path("meetings/<int:pk>/", records.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", records.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", records.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/record.pdf", records.meeting_record_pdf, name="meeting_record"),
    path("meetings/<int:pk>/delete/", records.meeting_delete, name="meeting_delete"),
    path("meeting-photos/<int:pk>/", records.meeting_photo, name="meeting_photo"),
    path("meeting-photos/<int:pk>/delete/", records.meeting_photo_delete, name="meeting_photo_delete"),
]
