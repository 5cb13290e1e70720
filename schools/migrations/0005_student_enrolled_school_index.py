# Concurrent on PostgreSQL (docs/deployment.md, "Rules for migrations": no long locks on big tables).
# The school list counts each school's enrolled children from this index alone (docs/performance.md).
from django.db import migrations, models

from ops.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('schools', '0004_importbatch_calendar'),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name='student',
            index=models.Index(condition=models.Q(('status', 'enrolled')), fields=['school', 'id'],
                               name='student_enrolled_school'),
        ),
    ]
