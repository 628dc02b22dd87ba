"""Fill the new fields from the audit events written so far, once.

Until now the progress chart and the supervision tab read audit events (and parsed their
summaries); from here on the services write `SiteTransition` rows and the rectification's
answer / return / close fields themselves. The summaries are read here, and only here.
"""

from django.db import migrations

# A lifecycle verb and the status it leads to; a verdict's outcome is in its summary.
TO_STATUS = {
    "NOMINATE": "NOMINATED",
    "RENOMINATE": "NOMINATED",
    "WITHDRAW": "WITHDRAWN",
    "APPROVE": "APPROVED",
    "REJECT": "REJECTED",
    "APPROVE_SELF_ASSESSMENT": "SELF_ASSESSED",
    "REQUEST_ACCEPTANCE": "ACCEPTANCE_REQUESTED",
    "REQUEST_ACCEPTANCE_AGAIN": "ACCEPTANCE_REQUESTED",
}
VERDICT = "RECORD_VERDICT"
# The site statuses as the summaries wrote them ("申请验收 → 验收通过；意见"), frozen here.
VERDICT_LABELS = {"验收通过": "PASSED", "限期整改": "RECTIFYING", "验收不通过": "FAILED"}

ANSWER, RETURN, CLOSE = "ANSWER_RECTIFICATION", "RETURN_RECTIFICATION", "CLOSE_RECTIFICATION"


def _verdict_status(summary: str) -> str | None:
    """The outcome of a verdict from its summary, "申请验收 → 验收通过；意见"."""
    _, arrow, rest = summary.partition("→")
    label = rest.split("；", 1)[0].strip() if arrow else ""
    return VERDICT_LABELS.get(label)


def _events_about(apps, model_name: str, verbs):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("organizations", "AuditEvent")
    content_type = ContentType.objects.filter(app_label="campaigns", model=model_name).first()
    if content_type is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(target_type=content_type, verb__in=verbs).order_by("created_at", "id")


def site_transitions(apps, schema_editor):
    Site = apps.get_model("campaigns", "Site")
    SiteTransition = apps.get_model("campaigns", "SiteTransition")
    site_ids = set(Site.objects.values_list("pk", flat=True))
    current: dict[int, str] = {}
    transitions = []
    for event in _events_about(apps, "site", [*TO_STATUS, VERDICT]):
        if event.target_id not in site_ids:
            continue
        to_status = _verdict_status(event.summary) if event.verb == VERDICT else TO_STATUS[event.verb]
        if to_status is None:
            continue
        transitions.append(
            SiteTransition(
                site_id=event.target_id,
                from_status=current.get(event.target_id, ""),
                to_status=to_status,
                at=event.created_at,
                by_id=event.actor_id,
            )
        )
        current[event.target_id] = to_status
    SiteTransition.objects.bulk_create(transitions, batch_size=500)


def rectification_answers(apps, schema_editor):
    Rectification = apps.get_model("campaigns", "Rectification")
    latest: dict[tuple[int, str], object] = {}
    for event in _events_about(apps, "rectification", [ANSWER, RETURN, CLOSE]):
        latest[(event.target_id, event.verb)] = event
    for item in Rectification.objects.filter(pk__in={pk for pk, _ in latest}):
        answered, returned, closed = (latest.get((item.pk, verb)) for verb in (ANSWER, RETURN, CLOSE))
        if answered:
            item.answered_at, item.answered_by_id = answered.created_at, answered.actor_id
        if returned:
            item.returned_at, item.returned_by_id = returned.created_at, returned.actor_id
            # Written as "事项：理由", the item being its description's first 40 characters.
            prefix = f"{item.description[:40]}："
            summary = returned.summary
            item.return_reason = summary[len(prefix) :] if summary.startswith(prefix) else summary
        if closed:
            item.closed_by_id = closed.actor_id
        item.save(
            update_fields=[
                "answered_at",
                "answered_by",
                "returned_at",
                "returned_by",
                "return_reason",
                "closed_by",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_site_transition_and_rectification_answers"),
        ("organizations", "0004_audit_verb_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(site_transitions, migrations.RunPython.noop),
        migrations.RunPython(rectification_answers, migrations.RunPython.noop),
    ]
