from django.urls import path

from members.views import board

urlpatterns = [
    path("branches/<int:branch>/stars/", board.star_board, name="star_board"),
    # The public 公示栏: a stable address by the branch's code, printed as a QR code on the poster.
    path("board/<str:code>/", board.public_board, name="public_board"),
    path("board/<str:code>/poster.pdf", board.public_board_poster, name="public_board_poster"),
]
