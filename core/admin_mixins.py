class NoAddOrDeleteMixin:
    """Admin for rows that services write and the law or the ledger keeps (invoice lines,
    payments, webhook events, number counters): staff read them and act through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
