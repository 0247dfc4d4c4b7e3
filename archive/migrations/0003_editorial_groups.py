"""Create the Editors and Publishers groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ["archive", "sources"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    everything = Permission.objects.filter(content_type__app_label__in=APPS)
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(everything.exclude(codename__startswith="publish_"))
    publishers, _ = Group.objects.get_or_create(name="Publishers")
    publishers.permissions.set(everything)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Publishers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_history_versions_review"),
        ("sources", "0002_history_versions_review"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
