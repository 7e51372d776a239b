"""What the tax account endpoints send and accept (camelCase, documented through the OpenAPI schema).

The account's JSON never names the person who linked it: only whether it is linked and since when.
"""

from rest_framework import serializers

from services.models import TaxEntry


class TaxEntrySerializer(serializers.Serializer):
    # `source` names the model fields, so validated data fits services.tax.upsert_account as it is.
    externalId = serializers.CharField(source="external_id", max_length=64, help_text="The id in the tax application.")
    kind = serializers.ChoiceField(choices=TaxEntry.Kind.choices)
    taxYear = serializers.IntegerField(source="tax_year", min_value=1900, max_value=2999)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amountRappen = serializers.IntegerField(source="amount_rappen", help_text="Amount in Rappen (CHF 1.00 = 100).")
    dueDate = serializers.DateField(source="due_date", required=False, allow_null=True, default=None)
    bookedOn = serializers.DateField(source="booked_on", required=False, allow_null=True, default=None)
    isPaid = serializers.BooleanField(
        source="is_paid", required=False, default=False, help_text="For instalments and invoices."
    )


class TaxDocumentSerializer(serializers.Serializer):
    externalId = serializers.CharField(source="external_id")
    title = serializers.CharField()
    taxYear = serializers.IntegerField(source="tax_year", allow_null=True)
    filename = serializers.CharField()
    contentType = serializers.CharField(source="content_type")
    size = serializers.IntegerField()
    deliveredAt = serializers.DateTimeField(source="created_at")
    readAt = serializers.DateTimeField(source="read_at", allow_null=True, help_text="First download by the holder.")


class TaxAccountSerializer(serializers.Serializer):
    taxpayerNumber = serializers.CharField(source="taxpayer_number")
    name = serializers.CharField()
    balanceRappen = serializers.IntegerField(source="balance_rappen", help_text="Negative = credit.")
    balanceDate = serializers.DateField(source="balance_date", allow_null=True)
    linked = serializers.SerializerMethodField(help_text="Whether a resident has activated the account.")
    activatedAt = serializers.DateTimeField(source="activated_at", allow_null=True)
    updatedAt = serializers.DateTimeField(source="updated_at")
    entries = TaxEntrySerializer(many=True, source="entries.all")
    documents = TaxDocumentSerializer(many=True, source="documents.all")

    def get_linked(self, account) -> bool:
        return bool(account.holder_id and account.activated_at)


class TaxAccountUpsertSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="The taxpayer's name as the tax application has it.")
    balanceRappen = serializers.IntegerField(help_text="Negative = credit.")
    balanceDate = serializers.DateField(allow_null=True, required=False, default=None)
    entries = TaxEntrySerializer(many=True, required=False, default=list)
    replaceEntries = serializers.BooleanField(
        required=False, default=False, help_text="Delete the entries of the account that are not in `entries`."
    )

    def validate_entries(self, entries):
        ids = [entry["external_id"] for entry in entries]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Every externalId may appear only once.")
        return entries


class TaxDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, JPG, PNG, DOCX, XLSX, ODT or TXT, at most 10 MB.")
    externalId = serializers.CharField(max_length=64, help_text="Sending the same id again creates nothing new.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Default: file name.")
    taxYear = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2999)


class ActivationCodeRequestSerializer(serializers.Serializer):
    validDays = serializers.IntegerField(required=False, default=90, min_value=1, max_value=365)


class ActivationCodeSerializer(serializers.Serializer):
    activationCode = serializers.CharField(help_text="Print it on the letter; it is not stored and not shown again.")
    validUntil = serializers.DateTimeField()
