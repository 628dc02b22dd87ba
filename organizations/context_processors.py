from django.utils.functional import SimpleLazyObject

from .models import held_roles


def roles(request):
    """The signed-in user's roles for the top bar, loaded only when a template reads them."""

    def load():
        return held_roles(getattr(request, "user", None))

    return {"roles": SimpleLazyObject(load)}
