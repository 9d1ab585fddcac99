"""The transparency log's storage.

Append-only tables (database triggers refuse UPDATE and DELETE, see migration 0002):
`LogEntry` (the entries, by index), `TreeNode` (the hash of every complete aligned subtree, so a
proof is O(log n) reads), `Checkpoint` (signed tree heads) and `Cosignature` (witnesses' signatures
over checkpoints). Mutable bookkeeping: `LogHead` (the sequencer's lock and the current size),
`PendingEntry` (accepted, not yet integrated; deleted when integrated) and `Party`/`PartyKey`
(who may sign; every change to a key is also a log entry).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

LEVEL_SHIFT = 56  # TreeNode.key = level << 56 | index: one B-tree range per level (tiles read ranges)


class Party(models.Model):
    class Kind(models.TextChoices):
        MINE = "mine", "矿山 Mine / origin"
        SUPPLIER = "supplier", "供应商 Supplier"
        CUTTER = "cutter", "切磨 Cutter"
        LAB = "lab", "鉴定机构 Lab"
        QC_STATION = "qc_station", "质检站 QC station"
        WAREHOUSE = "warehouse", "仓库 Warehouse"
        STORE = "store", "门店 Store"
        LOGISTICS = "logistics", "物流 Logistics"
        PLATFORM = "platform", "平台 Platform"

    party_id = models.CharField(max_length=63, unique=True, help_text="Public id in statements, e.g. lab.ngtc")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    # Where a shopper checks a report at the lab itself; {number} is replaced by the report number.
    report_check_url = models.URLField(max_length=300, blank=True)
    custodial = models.BooleanField(
        default=False, help_text="Keys held by the platform for its own stations; partners hold their own"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["party_id"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.party_id


class PartyKey(models.Model):
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.BinaryField(max_length=32)
    added_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)
    # For custodial keys: which derivation generation (a rotation takes the next one).
    custody_generation = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["party", "added_at"]

    def __str__(self) -> str:
        return f"{self.party.party_id} {self.key_id}"


class PieceRecord(models.Model):
    """A piece's opaque public id in the log (the serial number and database id stay private)."""

    piece = models.OneToOneField("catalog.Piece", on_delete=models.PROTECT, related_name="provenance")
    public_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.public_id


class OwnerSecret(models.Model):
    """The account's secret behind its ownership commitments. Deleting the account deletes it, and
    with it any way to link the account to the commitments in the log."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owner_secret")
    secret = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"owner secret of {self.user_id}"


class Ownership(models.Model):
    """Who owns a piece now (and who did), as the log records it: a salted commitment only."""

    piece = models.ForeignKey(PieceRecord, on_delete=models.PROTECT, related_name="ownerships")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    salt = models.BinaryField(max_length=32)
    commitment = models.CharField(max_length=64)
    since = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=120, help_text="The log submission that recorded it")
    # A one-time code the owner gives a buyer to claim the piece (stored hashed), and its expiry.
    transfer_code_hash = models.CharField(max_length=64, blank=True)
    transfer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["piece", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["piece"], condition=models.Q(until__isnull=True), name="ownership_one_current_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.piece_id} since {self.since:%Y-%m-%d}"


class LogHead(models.Model):
    """One row: the integrated size and root. Locking it makes the sequencer single."""

    origin = models.CharField(max_length=120, unique=True)
    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.origin} @ {self.size}"


class Submission(models.Model):
    """Permanent idempotency key of everything ever accepted (an outbox event, or an entry's hash)."""

    source = models.CharField(max_length=120, primary_key=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.source


class PendingEntry(models.Model):
    """Accepted and verified, waiting for the sequencer (deleted when it is in the log)."""

    id = models.BigAutoField(primary_key=True)
    entry = models.BinaryField()
    source = models.CharField(max_length=120, unique=True)
    piece = models.CharField(max_length=64, null=True, blank=True)
    type = models.CharField(max_length=40)
    party = models.CharField(max_length=63)
    key_id = models.CharField(max_length=16)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"pending {self.type} {self.piece or ''}"


class LogEntry(models.Model):
    index = models.BigIntegerField(primary_key=True)
    entry = models.BinaryField()
    source = models.CharField(max_length=120, unique=True)
    piece = models.CharField(max_length=64, null=True, blank=True)
    type = models.CharField(max_length=40)
    party = models.CharField(max_length=63)
    key_id = models.CharField(max_length=16)
    integrated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "log entries"
        indexes = [models.Index(fields=["piece", "index"], name="provenance_entry_piece_idx")]

    def __str__(self) -> str:
        return f"#{self.index} {self.type}"


class TreeNode(models.Model):
    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"node {self.key >> LEVEL_SHIFT}/{self.key & ((1 << LEVEL_SHIFT) - 1)}"


class Checkpoint(models.Model):
    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The signed checkpoint (C2SP tlog-checkpoint, signed-note)")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.CharField(max_length=120)
    line = models.TextField(help_text="The signature line as the witness returned it")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checkpoint", "witness"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="cosignature_once_per_witness")]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint_id}"
