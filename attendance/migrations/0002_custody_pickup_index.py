# Written by hand (Django 5.2.19, 2026-11-29): makemigrations cannot serialise the ZoneInfo of the
# index expression. Concurrent on PostgreSQL (docs/deployment.md, "Rules for migrations": no long
# locks on big tables; custody events are written all afternoon).
import zoneinfo

import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from ops.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('attendance', '0001_initial'),
        ('enrollment', '0001_initial'),
        ('schools', '0002_importbatch'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name='custodyevent',
            index=models.Index(
                models.F('date'),
                django.db.models.functions.datetime.TruncTime('at', tzinfo=zoneinfo.ZoneInfo('Asia/Shanghai')),
                condition=models.Q(('kind', 'pickup')), include=('school', 'at'),
                name='attendance_custody_pickup_idx'),
        ),
    ]
