"""Database routing for the embedded profile (no Redis): the channel layer (channels-lite) keeps
its messages in a SQLite file of its own, "channels", so that polling for events never waits on
the application's write lock; nothing else is ever written or migrated there."""

CHANNEL_LAYER_APP, CHANNEL_LAYER_DATABASE = "channels_lite", "channels"


class ChannelLayerRouter:
    def db_for_read(self, model, **hints):
        return CHANNEL_LAYER_DATABASE if model._meta.app_label == CHANNEL_LAYER_APP else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if app_label == CHANNEL_LAYER_APP:
            return db == CHANNEL_LAYER_DATABASE
        return False if db == CHANNEL_LAYER_DATABASE else None
