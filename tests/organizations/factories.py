import factory
from factory.django import DjangoModelFactory

from organizations.models import Organization, Role, User, forget_roles


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("demo12345")


def make_org(parent: Organization | None, kind: str, name: str, *, sector: str = "OTHER", code: str = ""):
    """Create an organization through treebeard, so kind rules and paths are the real ones."""
    code = code or f"T{Organization.objects.count() + 1:05d}"
    instance = Organization(name=name, kind=kind, sector=sector, code=code)
    if parent is None:
        return Organization.objects.add_root(instance=instance)
    return Organization.objects.add_child(parent, instance=instance)


def give_role(user, organization: Organization, kind: str) -> Role:
    role = Role.objects.create(user=user, organization=organization, kind=kind)
    forget_roles(user)
    return role
