from django.utils.functional import SimpleLazyObject

from .models import Role


def roles(request):
    """The signed-in user's roles for the top bar, loaded only when a template reads them."""

    def load():
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return []
        return list(Role.objects.filter(user_id=user.pk).select_related("organization").order_by("kind"))

    return {"roles": SimpleLazyObject(load)}
