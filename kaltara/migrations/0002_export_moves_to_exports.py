"""Export now belongs to the exports app (exports.0001): removed from kaltara's state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("kaltara", "0001_initial"),
        ("exports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Export")],
        ),
    ]
