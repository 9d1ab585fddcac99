"""Move every TOTP secret from the plain-text column into the personal-data vault, then drop the column.

Each secret is stored through `auric.privacy` (kind `totp_secret`); the row keeps the token. The vault
database must be migrated already (it is on every install that has TOTP devices: `migrate --database
vault` ran with the privacy app). Not atomic as a whole: the data step runs in its own transaction and
the column is dropped after it commits (PostgreSQL refuses to alter a table with pending trigger events).
Going back reveals each secret into the restored column and erases it from the vault.
"""

from django.db import migrations, models, transaction

ACTOR = "system: migration accounts.0006"


def secrets_to_vault(apps, schema_editor):
    from auric import privacy

    TotpDevice = apps.get_model("accounts", "TotpDevice")
    db = schema_editor.connection.alias
    rows = TotpDevice.objects.using(db).filter(secret_token="").exclude(secret="")
    for device in rows.iterator():
        with privacy.erased_on_error(), transaction.atomic(using=db):
            token = privacy.store("totp_secret", device.secret)
            TotpDevice.objects.using(db).filter(pk=device.pk).update(secret_token=token, secret="")


def secrets_from_vault(apps, schema_editor):
    from auric import privacy

    TotpDevice = apps.get_model("accounts", "TotpDevice")
    db = schema_editor.connection.alias
    for device in TotpDevice.objects.using(db).exclude(secret_token="").iterator():
        secret = privacy.reveal(device.secret_token, "verify_second_factor", actor=ACTOR)
        TotpDevice.objects.using(db).filter(pk=device.pk).update(secret=secret, secret_token="")
        privacy.erase(device.secret_token)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0005_sms_codes_phone_identity"),
        ("privacy", "0004_totp_secret_kind"),
    ]

    operations = [
        migrations.RunPython(secrets_to_vault, secrets_from_vault, atomic=True),
        migrations.RemoveField(model_name="totpdevice", name="secret"),
    ]
