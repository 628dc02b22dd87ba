from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/bell/", views.bell, name="inbox_bell"),
    path("notifications/read-all/", views.read_all, name="notifications_read_all"),
    path("notifications/email/", views.reminder_email, name="reminder_email"),
    path("notifications/<int:pk>/", views.open_notification, name="notification_open"),
    path("notifications/<int:pk>/read/", views.read, name="notification_read"),
]
