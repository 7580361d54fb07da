"""Which saves retire which cached page parts (core.fragments): connected once, from the
project's AppConfig, because it names the models of every app."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.fragments import PEOPLE, PROGRESS, STRATEGY, changed, institution

# --- What changes which token ----------------------------------------------------------------


def _strategy(instance) -> tuple[str, ...]:
    return (STRATEGY,)


def _institution_data(instance) -> tuple[str, ...]:
    return (PROGRESS, institution(instance.institution_id))


def _institution(instance) -> tuple[str, ...]:
    return (STRATEGY, PROGRESS, institution(instance.pk))


def _people(instance) -> tuple[str, ...]:
    return (PEOPLE,)


def _on_save(kinds_of):
    def receiver(sender, instance, update_fields=None, **kwargs):
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            return  # signing in changes nothing any page shows
        changed(*kinds_of(instance))

    return receiver


def _on_delete(kinds_of):
    def receiver(sender, instance, **kwargs):
        changed(*kinds_of(instance))

    return receiver


def _on_m2m(sender, action, **kwargs):
    if action.startswith("post_"):
        changed(STRATEGY)


def watch() -> None:
    """Connect the models whose changes retire a token (from an app's `ready`)."""
    from actions.models import Action, Progress
    from goals.models import Aim, Domain, Goal, Indicator, Measurement, Principle, Strategy
    from institutions.models import Actor, Institution, User

    watched = {
        _strategy: [Strategy, Aim, Principle, Domain, Goal, Indicator, Action, Actor],
        _institution: [Institution],
        _institution_data: [Progress, Measurement],
        _people: [User],
    }
    for kinds_of, models in watched.items():
        for model in models:
            uid = f"fresh-{model.__name__}"
            post_save.connect(_on_save(kinds_of), model, weak=False, dispatch_uid=uid)
            post_delete.connect(_on_delete(kinds_of), model, weak=False, dispatch_uid=uid)
    for through in [Goal.principles.through, Action.actors.through, Indicator.actors.through]:
        m2m_changed.connect(_on_m2m, through, dispatch_uid=f"fresh-{through.__name__}")
