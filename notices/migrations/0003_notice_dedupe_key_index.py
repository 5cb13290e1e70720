# Concurrent on PostgreSQL (docs/deployment.md, "Rules for migrations": no long locks on big tables;
# notices are written all afternoon). The duty console looks the day's notices up by key.
from django.conf import settings
from django.db import migrations, models

from ops.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('notices', '0002_channels_deliveries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name='notification',
            index=models.Index(condition=models.Q(('dedupe_key', ''), _negated=True), fields=['dedupe_key'],
                               name='notice_dedupe_key'),
        ),
    ]
