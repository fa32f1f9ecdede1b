"""The "Staf provinsi" group: what provincial staff may do in the Django admin.

Provincial staff own the reference data: the catalogue of service types and their checklist
items, the clusters and the indicator sets. They add and change them in the admin (nothing
there is deleted by them: a checklist item or a type carries sites' answers and roles). The
scoring policy, its runs and the stored scores they only view there: policies are written
and activated in the portal (/kebijakan-skor/), with a preview of their effect.

Who is in the group follows the role (accounts.models.provincial_staff_sync: a provincial
grant makes the user staff and a member). The permission rows are created here, since
Django only creates them after the last migration, and the group must be whole at once.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Staf provinsi"
PERMISSIONS = {
    "services": {
        "servicetype": ("add", "change", "view"),
        "checklistitem": ("add", "change", "view"),
    },
    "clusters": {
        "cluster": ("change", "view"),
        "indicatorset": ("add", "change", "view"),
        "indicator": ("add", "change", "view"),
    },
    "scoring": {
        "scoringpolicy": ("view",),
        "scorerun": ("view",),
        "kawasanscore": ("view",),
    },
}


def create_group(apps, schema_editor):
    db = schema_editor.connection.alias
    for label in PERMISSIONS:
        config = apps.get_app_config(label)
        # A migration state's app config has no models module, which create_permissions
        # takes for "nothing to do": mark it for the call.
        config.models_module = True
        create_permissions(config, verbosity=0, interactive=False, using=db, apps=apps)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(db).get_or_create(name=GROUP)
    wanted = [
        Permission.objects.using(db).get(
            content_type__app_label=label, codename=f"{action}_{model}"
        )
        for label, models in PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    group.permissions.add(*wanted)


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0003_policy_drafts"),
        ("services", "0005_pending_change_sectors"),
        ("clusters", "0002_clusters_indicators"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
