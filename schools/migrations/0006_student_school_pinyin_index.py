# Concurrent on PostgreSQL (docs/deployment.md, "Rules for migrations": no long locks on big tables).
# A school's children in name order: the student list reads its page from this index (docs/performance.md).
from django.db import migrations, models

from ops.migration_operations import AddIndexConcurrentlyIfPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('schools', '0005_student_enrolled_school_index'),
    ]

    operations = [
        AddIndexConcurrentlyIfPostgres(
            model_name='student',
            index=models.Index(fields=['school', 'name_pinyin', 'id'], name='student_school_pinyin'),
        ),
    ]
