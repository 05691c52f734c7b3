"""Credit grants: every existing ledger row is put on a grant by replaying the ledger in order.
Each credit that came in (a pack, an add-on, a gift, a positive adjustment) becomes a purchased
grant that never expires; what was spent is taken from those grants oldest first (split over
several when one does not hold enough), and a job's refund or release goes back to the grants
its reservation came from. The balance of every organization is unchanged."""

import django.db.models.deletion
from django.db import migrations, models

PURCHASED_PRIORITY = 50


def _take(entry, grants, left, Entry):
    """Put `entry` (a debit) on the grants still holding credits, oldest first, split as needed."""
    need, parts = -entry.amount, []
    for grant in grants:
        share = min(need, left[grant.pk])
        if share > 0:
            parts.append([grant, share])
            need -= share
        if not need:
            break
    if need:  # the old ledger never went below zero; were it so, the newest grant carries the rest
        if parts and parts[-1][0] == grants[-1]:
            parts[-1][1] += need
        else:
            parts.append([grants[-1], need])
    _write(entry, [(grant, -share) for grant, share in parts], left, Entry)
    return parts


def _write(entry, parts, left, Entry):
    first, *rest = parts
    entry.grant, entry.amount = first[0], first[1]
    entry.save(update_fields=["grant", "amount"])
    left[first[0].pk] += first[1]
    for grant, amount in rest:
        Entry.objects.create(
            organization_id=entry.organization_id, grant=grant, amount=amount, reason=entry.reason, job_id=entry.job_id,
            order_ref=entry.order_ref, note=entry.note, created_at=entry.created_at,
        )  # fmt: skip
        left[grant.pk] += amount


def put_entries_on_grants(apps, schema_editor):
    Entry = apps.get_model("generation", "CreditEntry")
    Grant = apps.get_model("generation", "CreditGrant")
    organizations = Entry.objects.filter(grant__isnull=True).values_list("organization_id", flat=True).distinct()
    for organization_id in sorted(set(organizations)):
        grants, left, taken = [], {}, {}
        for entry in Entry.objects.filter(organization_id=organization_id, grant__isnull=True).order_by("created_at", "id"):
            if entry.amount > 0 and entry.job_id is None:
                grant = Grant.objects.create(
                    organization_id=organization_id, kind="purchased", amount=entry.amount, priority=PURCHASED_PRIORITY,
                    order_ref=entry.order_ref, effective_at=entry.created_at, note=entry.note,
                )  # fmt: skip
                grants.append(grant)
                left[grant.pk] = 0
                _write(entry, [(grant, entry.amount)], left, Entry)
            elif not grants:
                raise RuntimeError(f"The credit ledger of organization {organization_id} starts with a debit: fix it first.")
            elif entry.amount < 0:
                parts = _take(entry, grants, left, Entry)
                if entry.job_id:
                    taken.setdefault(entry.job_id, []).extend(parts)
            else:  # a job's refund or release: back to the grants its reservation came from, last first
                back, parts = entry.amount, []
                for grant, share in reversed(taken.get(entry.job_id, [])):
                    part = min(back, share)
                    if part > 0:
                        parts.append((grant, part))
                        back -= part
                if back or not parts:
                    parts.append((grants[-1], back))
                _write(entry, [(g, a) for g, a in parts if a], left, Entry)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_login_sessions'),
        ('generation', '0005_generationjob_worker'),
    ]

    operations = [
        migrations.CreateModel(
            name='CreditGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('plan', 'Included in the plan'), ('purchased', 'Purchased')], max_length=10, verbose_name='kind')),
                ('amount', models.PositiveIntegerField(verbose_name='amount')),
                ('priority', models.PositiveSmallIntegerField(help_text='Grants of a lower priority are spent first.', verbose_name='priority')),
                ('period_key', models.CharField(blank=True, max_length=80, verbose_name='period')),
                ('order_ref', models.CharField(blank=True, help_text='The order or invoice that paid for these credits.', max_length=64, verbose_name='order ref')),
                ('effective_at', models.DateTimeField(verbose_name='effective from')),
                ('expires_at', models.DateTimeField(blank=True, help_text='Empty: never expires.', null=True, verbose_name='expires')),
                ('expired_at', models.DateTimeField(blank=True, null=True, verbose_name='expired')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'credit grant',
                'verbose_name_plural': 'credit grants',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='creditentry',
            name='generation_credit_entry_once_per_job',
        ),
        migrations.AlterField(
            model_name='creditentry',
            name='reason',
            field=models.CharField(choices=[('purchase', 'Credit pack purchased'), ('grant', 'Granted'), ('plan', 'Included in the plan'), ('expiry', 'Expired'), ('clawback', 'Taken back after a refund'), ('reservation', 'Reserved for a job'), ('refund', 'Refunded (job failed or canceled)'), ('release', 'Unused reservation released'), ('adjustment', 'Adjustment by staff')], max_length=20, verbose_name='reason'),
        ),
        migrations.AddField(
            model_name='creditgrant',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='credit_grants', to='accounts.organization', verbose_name='organization'),
        ),
        migrations.AddField(
            model_name='creditentry',
            name='grant',
            field=models.ForeignKey(help_text='The grant these credits are added to or taken from.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='generation.creditgrant', verbose_name='grant'),
        ),
        migrations.RunPython(put_entries_on_grants, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='creditentry',
            name='grant',
            field=models.ForeignKey(help_text='The grant these credits are added to or taken from.', on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='generation.creditgrant', verbose_name='grant'),
        ),
        migrations.AddIndex(
            model_name='creditentry',
            index=models.Index(fields=['grant', 'amount'], name='generation__grant_i_b5ca4c_idx'),
        ),
        migrations.AddConstraint(
            model_name='creditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('job__isnull', False)), fields=('job', 'reason', 'grant'), name='generation_credit_entry_once_per_job'),
        ),
        migrations.AddIndex(
            model_name='creditgrant',
            index=models.Index(fields=['organization', 'expired_at', 'priority'], name='generation__organiz_e310f9_idx'),
        ),
        migrations.AddIndex(
            model_name='creditgrant',
            index=models.Index(fields=['expired_at', 'expires_at'], name='generation__expired_8d7e6f_idx'),
        ),
        migrations.AddConstraint(
            model_name='creditgrant',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='generation_credit_grant_positive'),
        ),
        migrations.AddConstraint(
            model_name='creditgrant',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['plan', 'purchased'])), name='generation_credit_grant_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='creditgrant',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'plan'), _negated=True), models.Q(('expires_at__isnull', False), models.Q(('period_key', ''), _negated=True)), _connector='OR'), name='generation_credit_grant_plan_has_period'),
        ),
    ]
